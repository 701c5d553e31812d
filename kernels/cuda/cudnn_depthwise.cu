// cuDNN's depthwise convolution (a grouped convolution with one channel per group) over our NHWC
// tensors, for the comparison with our kernels that depthwise_engine.cu makes.
//
// cuDNN is loaded with dlopen when first needed rather than linked: minitorch then runs on
// machines without it (about 1 GB that many CUDA installs lack), with our kernels. We use its
// classic convolution API (descriptors, Find*AlgorithmEx, Convolution*), which cuDNN 9 still
// ships; the graph API would say the same in several times the code.
#include <climits>
#include <map>
#include <mutex>

#include "depthwise_engine.cuh"
#include "minitorch/device.hpp"

#if MINITORCH_WITH_CUDNN
#include <cudnn.h>
#include <dlfcn.h>
#endif

namespace minitorch {

#if !MINITORCH_WITH_CUDNN

// Built without cudnn.h: our kernels run every case.
bool cuda::cudnn_is_available() { return false; }
std::string cuda::cudnn_status() { return "not loaded: minitorch was built without cuDNN's headers (cudnn.h)"; }

namespace kernels::cuda_impl {
bool cudnn_depthwise_supports(DType, const ConvGeometry&) { return false; }
void cudnn_depthwise_forward(DType, const ConvGeometry&, const void*, const void*, const void*, void*) {
  detail::fail("depthwise conv: ", cuda::cudnn_status());
}
void cudnn_depthwise_input_grad(DType, const ConvGeometry&, const void*, const void*, void*) {
  detail::fail("depthwise conv: ", cuda::cudnn_status());
}
void cudnn_depthwise_weight_grad(DType, const ConvGeometry&, const void*, const void*, void*) {
  detail::fail("depthwise conv: ", cuda::cudnn_status());
}
}  // namespace kernels::cuda_impl

#else

namespace kernels::cuda_impl {

namespace {

// The cuDNN functions we call, looked up by name in libcudnn.so.9.
#define MT_CUDNN_FUNCTIONS(X)                                                                                 \
  X(cudnnGetVersion) X(cudnnGetErrorString) X(cudnnCreate) X(cudnnSetStream) X(cudnnCreateTensorDescriptor)   \
  X(cudnnSetTensor4dDescriptor) X(cudnnCreateFilterDescriptor) X(cudnnSetFilter4dDescriptor)                  \
  X(cudnnCreateConvolutionDescriptor) X(cudnnSetConvolution2dDescriptor) X(cudnnSetConvolutionGroupCount)     \
  X(cudnnSetConvolutionMathType) X(cudnnAddTensor) X(cudnnGetConvolutionForwardWorkspaceSize)                 \
  X(cudnnFindConvolutionForwardAlgorithmEx) X(cudnnConvolutionForward)                                        \
  X(cudnnGetConvolutionBackwardDataWorkspaceSize) X(cudnnFindConvolutionBackwardDataAlgorithmEx)              \
  X(cudnnConvolutionBackwardData) X(cudnnGetConvolutionBackwardFilterWorkspaceSize)                           \
  X(cudnnFindConvolutionBackwardFilterAlgorithmEx) X(cudnnConvolutionBackwardFilter)

struct Cudnn {
#define MT_CUDNN_POINTER(name) decltype(&::name) name = nullptr;
  MT_CUDNN_FUNCTIONS(MT_CUDNN_POINTER)
#undef MT_CUDNN_POINTER
  cudnnHandle_t handle = nullptr;
  std::string status;  // "cuDNN 9.19.0" when loaded, else why not
  bool loaded = false;
};

Cudnn load_cudnn() {
  Cudnn lib;
  void* so = dlopen("libcudnn.so.9", RTLD_NOW | RTLD_LOCAL);
  if (!so) {
    const char* why = dlerror();
    lib.status = std::string("not loaded: libcudnn.so.9 was not found (") + (why ? why : "dlopen failed") + ")";
    return lib;
  }
#define MT_CUDNN_LOOKUP(name)                                           \
  lib.name = reinterpret_cast<decltype(&::name)>(dlsym(so, #name));    \
  if (!lib.name) {                                                      \
    lib.status = "not loaded: libcudnn.so.9 has no function " #name;   \
    return lib;                                                         \
  }
  MT_CUDNN_FUNCTIONS(MT_CUDNN_LOOKUP)
#undef MT_CUDNN_LOOKUP
  const size_t version = lib.cudnnGetVersion();  // major * 10000 + minor * 100 + patch
  const std::string name = "cuDNN " + std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) +
                           "." + std::to_string(version % 100);
  if (version / 10000 != CUDNN_MAJOR) {
    lib.status = "not loaded: found " + name + ", built for major version " + std::to_string(CUDNN_MAJOR);
    return lib;
  }
  if (const cudnnStatus_t s = lib.cudnnCreate(&lib.handle); s != CUDNN_STATUS_SUCCESS) {
    lib.status = "not loaded: " + name + ": cudnnCreate failed: " + lib.cudnnGetErrorString(s);
    return lib;
  }
  if (const cudnnStatus_t s = lib.cudnnSetStream(lib.handle, stream()); s != CUDNN_STATUS_SUCCESS) {
    lib.status = "not loaded: " + name + ": cudnnSetStream failed: " + lib.cudnnGetErrorString(s);
    return lib;
  }
  lib.status = name;
  lib.loaded = true;
  return lib;
}

// Loaded once, when first asked for (after the CUDA backend: the handle needs a GPU).
const Cudnn& cudnn() {
  static const Cudnn lib = [] {
    cuda_backend();  // a clear error when there is no usable GPU
    return load_cudnn();
  }();
  return lib;
}

#define MT_CUDNN_CHECK(call)                                                                          \
  do {                                                                                                \
    const cudnnStatus_t status_ = cudnn().call;                                                       \
    if (status_ != CUDNN_STATUS_SUCCESS)                                                              \
      ::minitorch::detail::fail("cudnn: ", #call, " failed: ", cudnn().cudnnGetErrorString(status_)); \
  } while (0)

// The algorithm cuDNN found for one pass, its workspace and the math type it runs with.
template <class Algo>
struct Choice {
  bool found = false;
  Algo algo{};
  size_t bytes = 0;
  cudnnMathType_t math{};
};

// One convolution's descriptors, and the algorithm chosen for each pass.
struct Plan {
  cudnnMathType_t math;  // what Find may use: plain float32 arithmetic unless TF32 is allowed
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, bias = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  Choice<cudnnConvolutionFwdAlgo_t> forward;
  Choice<cudnnConvolutionBwdDataAlgo_t> input_grad;
  Choice<cudnnConvolutionBwdFilterAlgo_t> weight_grad;
};

// cuDNN's handle and the plans are used by one thread at a time: each pass holds this lock from
// finding its algorithm to queuing its work.
std::mutex& cudnn_mutex() {
  static std::mutex m;
  return m;
}

Plan make_plan(DType t, const ConvGeometry& g) {
  MT_CHECK(t == DType::Float32, "cudnn depthwise: float32 only, got ", dtype_name(t));  // see cudnn_depthwise_supports
  const cudnnDataType_t type = CUDNN_DATA_FLOAT;
  Plan p;
  const int n = int(g.batch), c = int(g.channels);
  MT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p.x));
  MT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p.x, CUDNN_TENSOR_NHWC, type, n, c, int(g.in_h), int(g.in_w)));
  MT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p.y));
  MT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p.y, CUDNN_TENSOR_NHWC, type, n, c, int(g.out_h), int(g.out_w)));
  MT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p.bias));
  MT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p.bias, CUDNN_TENSOR_NHWC, type, 1, c, 1, 1));
  // C filters of one input channel each: [C, kh, kw, 1] in NHWC order, that is [C, kh, kw].
  MT_CUDNN_CHECK(cudnnCreateFilterDescriptor(&p.w));
  MT_CUDNN_CHECK(cudnnSetFilter4dDescriptor(p.w, type, CUDNN_TENSOR_NHWC, c, 1, int(g.kernel_h), int(g.kernel_w)));
  MT_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&p.conv));
  MT_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(p.conv, int(g.pad_h), int(g.pad_w), int(g.stride_h), int(g.stride_w),
                                                 1, 1, CUDNN_CROSS_CORRELATION, type));
  MT_CUDNN_CHECK(cudnnSetConvolutionGroupCount(p.conv, c));
  p.math = cuda::allow_tf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;  // as for the matrix products
  return p;
}

// The plan of a shape, made once; plans live as long as the process. Called under cudnn_mutex().
Plan& plan_for(DType t, const ConvGeometry& g) {
  static std::map<DepthwiseKey, Plan> plans;
  const DepthwiseKey key = depthwise_key(t, g);
  auto it = plans.find(key);
  if (it == plans.end()) it = plans.emplace(key, make_plan(t, g)).first;
  return it->second;
}

// Find*AlgorithmEx gets this much workspace at most; it skips algorithms that want more.
constexpr size_t kMaxWorkspace = size_t(256) << 20;

// Runs Find*AlgorithmEx with as much workspace as the largest algorithm wants (up to
// kMaxWorkspace) and keeps the fastest deterministic one that succeeded.
template <class Perf, int kCount, class Algo, class WorkspaceOf, class Find>
void find_algorithm(const char* pass, WorkspaceOf workspace_of, Find find, Choice<Algo>& choice) {
  size_t budget = 0;
  for (int a = 0; a < kCount; ++a) {
    size_t need = 0;
    if (workspace_of(Algo(a), &need) == CUDNN_STATUS_SUCCESS && need <= kMaxWorkspace) budget = std::max(budget, need);
  }
  Scratch workspace(budget);
  Perf perf[kCount];
  int returned = 0;
  const cudnnStatus_t status = find(kCount, &returned, perf, workspace.as<void>(), budget);
  if (status != CUDNN_STATUS_SUCCESS)
    detail::fail("cudnn: finding a depthwise ", pass, " algorithm failed: ", cudnn().cudnnGetErrorString(status));
  const Perf* chosen = nullptr;  // perf is sorted fastest first
  for (int i = returned - 1; i >= 0; --i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > budget) continue;
    if (!chosen || perf[i].determinism == CUDNN_DETERMINISTIC || chosen->determinism != CUDNN_DETERMINISTIC)
      chosen = &perf[i];
  }
  if (!chosen) detail::fail("cudnn: no algorithm runs this depthwise ", pass);
  choice = {true, chosen->algo, chosen->memory, chosen->mathType};
}

// The fastest deterministic algorithm cuDNN's own timing found (the fastest of any kind when none
// is deterministic: some weight-gradient algorithms add with atomics), once per plan and pass.
// `workspace_of(algo, &bytes)` asks the size of one algorithm; `find(count, &returned, perf,
// workspace, bytes)` runs Find*AlgorithmEx. Leaves the descriptor set to the chosen math type.
template <class Perf, int kCount, class Algo, class WorkspaceOf, class Find>
void choose_algorithm(const char* pass, Plan& p, Choice<Algo>& choice, WorkspaceOf workspace_of, Find find) {
  if (!choice.found) {
    MT_CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv, p.math));
    find_algorithm<Perf, kCount>(pass, workspace_of, find, choice);
  }
  MT_CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv, choice.math));
}

// alpha = 1 and beta = 0 or 1, passed by address (as float, for float data).
constexpr float kOne = 1, kZero = 0;

// dst[c, r] = src[r, c] for a [rows, cols] matrix, between our [kh*kw, C] weights and cuDNN's
// [C, kh*kw]: the backend's strided copy reading src through transposed strides.
void transpose(DType t, const void* src, int64_t rows, int64_t cols, void* dst) {
  Strided from, to;
  from.data = const_cast<void*>(src);
  to.data = dst;
  from.ndim = to.ndim = 2;
  from.shape[0] = to.shape[0] = cols;
  from.shape[1] = to.shape[1] = rows;
  from.strides[0] = 1;
  from.strides[1] = cols;
  to.strides[0] = rows;
  to.strides[1] = 1;
  cuda_backend().copy(t, to, t, from);
}

// The [kh*kw, C] weights as cuDNN's [C, kh*kw], in scratch memory.
struct FilterCopy {
  FilterCopy(DType t, const ConvGeometry& g, const void* w)
      : taps(g.kernel_h * g.kernel_w), bytes(size_t(taps * g.channels) * dtype_size(t)), data(bytes) {
    if (w) transpose(t, w, taps, g.channels, data.as<void>());
  }
  int64_t taps;
  size_t bytes;
  Scratch data;
};

}  // namespace

// float32 only (ConvNeXt's type, the one timed and tested; other types run ours), and padding
// smaller than the kernel (for more, the input gradient is a convolution with negative padding).
bool cudnn_depthwise_supports(DType t, const ConvGeometry& g) {
  const int64_t most = std::max(g.batch * g.in_h * g.in_w, g.batch * g.out_h * g.out_w) * g.channels;
  return cudnn().loaded && t == DType::Float32 && g.batch > 0 && g.channels > 0 && g.in_h * g.in_w > 0 &&
         g.kernel_h * g.kernel_w > 0 && g.out_h * g.out_w > 0 && g.pad_h < g.kernel_h && g.pad_w < g.kernel_w &&
         most < INT_MAX;
}

void cudnn_depthwise_forward(DType t, const ConvGeometry& g, const void* x, const void* w, const void* bias, void* y) {
  std::lock_guard<std::mutex> lock(cudnn_mutex());
  const Cudnn& lib = cudnn();
  Plan& p = plan_for(t, g);
  const FilterCopy filter(t, g, w);
  choose_algorithm<cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT>(
      "forward", p, p.forward,
      [&](cudnnConvolutionFwdAlgo_t a, size_t* bytes) {
        return lib.cudnnGetConvolutionForwardWorkspaceSize(lib.handle, p.x, p.w, p.conv, p.y, a, bytes);
      },
      [&](int count, int* returned, cudnnConvolutionFwdAlgoPerf_t* perf, void* ws, size_t ws_bytes) {
        return lib.cudnnFindConvolutionForwardAlgorithmEx(lib.handle, p.x, x, p.w, filter.data.as<void>(), p.conv,
                                                           p.y, y, count, returned, perf, ws, ws_bytes);
      });
  Scratch workspace(p.forward.bytes);
  MT_CUDNN_CHECK(cudnnConvolutionForward(lib.handle, &kOne, p.x, x, p.w, filter.data.as<void>(), p.conv,
                                         p.forward.algo, workspace.as<void>(), p.forward.bytes, &kZero, p.y, y));
  if (bias) MT_CUDNN_CHECK(cudnnAddTensor(lib.handle, &kOne, p.bias, bias, &kOne, p.y, y));
}

void cudnn_depthwise_input_grad(DType t, const ConvGeometry& g, const void* gy, const void* w, void* gx) {
  std::lock_guard<std::mutex> lock(cudnn_mutex());
  const Cudnn& lib = cudnn();
  Plan& p = plan_for(t, g);
  const FilterCopy filter(t, g, w);
  choose_algorithm<cudnnConvolutionBwdDataAlgoPerf_t, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT>(
      "input gradient", p, p.input_grad,
      [&](cudnnConvolutionBwdDataAlgo_t a, size_t* bytes) {
        return lib.cudnnGetConvolutionBackwardDataWorkspaceSize(lib.handle, p.w, p.y, p.conv, p.x, a, bytes);
      },
      [&](int count, int* returned, cudnnConvolutionBwdDataAlgoPerf_t* perf, void* ws, size_t ws_bytes) {
        return lib.cudnnFindConvolutionBackwardDataAlgorithmEx(lib.handle, p.w, filter.data.as<void>(), p.y, gy,
                                                                p.conv, p.x, gx, count, returned, perf, ws, ws_bytes);
      });
  Scratch workspace(p.input_grad.bytes);
  MT_CUDNN_CHECK(cudnnConvolutionBackwardData(lib.handle, &kOne, p.w, filter.data.as<void>(), p.y, gy, p.conv,
                                              p.input_grad.algo, workspace.as<void>(), p.input_grad.bytes, &kZero,
                                              p.x, gx));
}

void cudnn_depthwise_weight_grad(DType t, const ConvGeometry& g, const void* x, const void* gy, void* gw) {
  std::lock_guard<std::mutex> lock(cudnn_mutex());
  const Cudnn& lib = cudnn();
  Plan& p = plan_for(t, g);
  const FilterCopy grad(t, g, nullptr);  // cuDNN's [C, kh*kw] gradient, transposed into gw below
  choose_algorithm<cudnnConvolutionBwdFilterAlgoPerf_t, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT>(
      "weight gradient", p, p.weight_grad,
      [&](cudnnConvolutionBwdFilterAlgo_t a, size_t* bytes) {
        return lib.cudnnGetConvolutionBackwardFilterWorkspaceSize(lib.handle, p.x, p.y, p.conv, p.w, a, bytes);
      },
      [&](int count, int* returned, cudnnConvolutionBwdFilterAlgoPerf_t* perf, void* ws, size_t ws_bytes) {
        return lib.cudnnFindConvolutionBackwardFilterAlgorithmEx(lib.handle, p.x, x, p.y, gy, p.conv, p.w,
                                                                  grad.data.as<void>(), count, returned, perf, ws,
                                                                  ws_bytes);
      });
  Scratch workspace(p.weight_grad.bytes);
  MT_CUDNN_CHECK(cudnnConvolutionBackwardFilter(lib.handle, &kOne, p.x, x, p.y, gy, p.conv, p.weight_grad.algo,
                                                workspace.as<void>(), p.weight_grad.bytes, &kZero, p.w,
                                                grad.data.as<void>()));
  transpose(t, grad.data.as<void>(), g.channels, grad.taps, gw);
}

}  // namespace kernels::cuda_impl

bool cuda::cudnn_is_available() { return cuda::is_available() && kernels::cuda_impl::cudnn().loaded; }
std::string cuda::cudnn_status() {
  if (!cuda::is_available()) return "not loaded: no usable GPU";
  return kernels::cuda_impl::cudnn().status;
}

#endif  // MINITORCH_WITH_CUDNN

}  // namespace minitorch
