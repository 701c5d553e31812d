// Default kernel implementations: each one names itself and the backend that lacks it.
#include "kernels.hpp"

#include "minitorch/error.hpp"

namespace minitorch::kernels {

namespace {
[[noreturn]] void missing(const Backend& b, const char* kernel) {
  detail::fail(kernel, ": no ", b.name(), " kernel yet (run this op on the cpu)");
}
}  // namespace

bool is_comparison(BinaryOp op) {
  return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt || op == BinaryOp::Le ||
         op == BinaryOp::Gt || op == BinaryOp::Ge;
}

void Backend::copy_from_host(void*, const void*, size_t) { missing(*this, "copy_from_host"); }
void Backend::copy_to_host(void*, const void*, size_t) { missing(*this, "copy_to_host"); }
void* Backend::allocate_pinned_host(size_t) { missing(*this, "allocate_pinned_host"); }
void Backend::deallocate_pinned_host(void*, size_t) { missing(*this, "deallocate_pinned_host"); }
void Backend::copy_from_host_async(void* dst, const void* src, size_t nbytes) { copy_from_host(dst, src, nbytes); }
void Backend::fill(DType, const Strided&, double) { missing(*this, "fill"); }
void Backend::copy(DType, const Strided&, DType, const Strided&) { missing(*this, "copy"); }
void Backend::unary(UnaryOp, DType, const Strided&, const Strided&, UnaryParams) { missing(*this, "unary"); }
void Backend::binary(BinaryOp, DType, const Strided&, const Strided&, const Strided&) { missing(*this, "binary"); }
void Backend::where(DType, const Strided&, const Strided&, const Strided&, const Strided&) { missing(*this, "where"); }
void Backend::reduce_rows(ReduceOp, DType, const void*, int64_t, int64_t, void*, int64_t*, double) {
  missing(*this, "reduce");
}
void Backend::sum_columns(DType, const void*, int64_t, int64_t, void*) { missing(*this, "sum_columns"); }
void Backend::softmax_rows(DType, const void*, int64_t, int64_t, void*, bool) { missing(*this, "softmax"); }
void Backend::gemm(DType, const GemmArgs&) { missing(*this, "gemm"); }
void Backend::index_select(DType, const void*, int64_t, int64_t, int64_t, const int64_t*, int64_t, void*) {
  missing(*this, "index_select");
}
void Backend::index_add(DType, void*, int64_t, int64_t, int64_t, const int64_t*, int64_t, const void*) {
  missing(*this, "index_add");
}
void Backend::gather(DType, const Strided&, int, const Strided&, const Strided&) { missing(*this, "gather"); }
void Backend::scatter_add(DType, const Strided&, int, const Strided&, const Strided&) { missing(*this, "scatter_add"); }
void Backend::layer_norm_forward(DType, const void*, int64_t, int64_t, const void*, const void*, double, void*,
                                 void*, void*) {
  missing(*this, "layer_norm");
}
void Backend::layer_norm_backward(DType, const void*, const void*, const void*, const void*, const void*, int64_t,
                                  int64_t, void*, void*, void*) {
  missing(*this, "layer_norm_backward");
}
void Backend::depthwise_conv2d_forward(DType, const ConvGeometry&, const void*, const void*, const void*, void*) {
  missing(*this, "depthwise_conv2d");
}
void Backend::depthwise_conv2d_backward(DType, const ConvGeometry&, const void*, const void*, const void*, void*,
                                        void*, void*) {
  missing(*this, "depthwise_conv2d_backward");
}
void Backend::im2col(DType, const ConvGeometry&, const void*, void*) { missing(*this, "im2col"); }
void Backend::col2im(DType, const ConvGeometry&, const void*, void*) { missing(*this, "col2im"); }
void Backend::adam_step(DType, int64_t, void*, const void*, void*, void*, const AdamStep&) { missing(*this, "adam_step"); }
void Backend::sgd_step(DType, int64_t, void*, const void*, void*, const SgdStep&) { missing(*this, "sgd_step"); }
void Backend::random(Distribution, DType, const Strided&, uint64_t, uint64_t, double, double) {
  missing(*this, "random");
}

Backend& backend_for(Device device) {
  if (device.is_cpu()) return cpu_backend();
  MT_CHECK(device.index == 0, "cuda:", device.index, ": minitorch uses one GPU, cuda:0");
  return cuda_backend();
}

}  // namespace minitorch::kernels
