#include "torch_unpickler.hpp"

#include <cstring>
#include <unordered_map>

#include "kernels.hpp"
#include "pickle.hpp"

namespace minitorch::internal {
namespace {

using pickle::Heap;
using pickle::Kind;
using pickle::Value;

// The storage classes torch.save names (torch < 2 and >= 2 alike), and the dtype each becomes.
// minitorch's one signed integer type is int64, so int32, int16 and int8 are widened to it.
struct StorageType {
  const char* name;
  DType dtype;
  size_t item_size;  // bytes per element in the file
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", kFloat32, 4}, {"HalfStorage", kFloat16, 2}, {"BFloat16Storage", kBFloat16, 2},
    {"DoubleStorage", kFloat64, 8}, {"LongStorage", kInt64, 8},   {"IntStorage", kInt64, 4},
    {"ShortStorage", kInt64, 2},   {"CharStorage", kInt64, 1},   {"ByteStorage", kUInt8, 1},
    {"BoolStorage", kBool, 1}};

// Tags of the Global values find_class returns; storage types follow kFirstStorageType.
enum : int64_t {
  kOrderedDict,
  kRebuildTensorV2,
  kRebuildParameter,
  kRebuildParameterWithState,
  kInertGlobal,  // any other class or function outside torch's tensor machinery (ref: its name)
  kFirstStorageType = 100
};
// Tags of the Object values.
enum : int64_t { kStorageObject, kTensorObject, kInertObject /* what an inert global built (ref: inert_objects_) */ };

// At most this many distinct inert globals: a few bytes of STACK_GLOBAL over memoized strings
// can name many combinations, each of which is kept.
constexpr size_t kMaxInertGlobals = 1u << 16;

// Training checkpoints keep more than the weights: argparse.Namespace arguments, numpy scalars,
// whole Python objects. Nothing here is ever called, so such a global is safe to stand in as an
// inert placeholder that the flattening skips. Only torch's own tensor and storage machinery must
// be understood exactly: a tensor built by a function not known here would vanish from the
// state dict, so those stay refused.
bool is_tensor_machinery(const std::string& module, const std::string& name) {
  const bool torch = module == "torch" || module.rfind("torch.", 0) == 0;
  return torch && (module == "torch._utils" || module == "torch._tensor" || module == "torch.storage" ||
                   (name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0) || name == "Tensor" ||
                   name == "Parameter");
}

struct Storage {
  std::string key;
  size_t type = 0;  // index into kStorageTypes
  std::span<const uint8_t> bytes;
  uint64_t numel = 0;
};

// Row-major strides, ignoring size-1 dims (their stride never matters).
bool row_major(const Shape& size, const Shape& stride) {
  int64_t expected = 1;
  for (size_t d = size.size(); d-- > 0;) {
    if (size[d] != 1 && stride[d] != expected) return false;
    expected *= size[d];
  }
  return true;
}

// Reads one element of `item_size` bytes and writes it as `out_size` bytes; integers narrower
// than their target are sign-extended (int8/16/32 -> int64), everything else is copied.
void convert_item(const uint8_t* src, size_t item_size, uint8_t* dst, size_t out_size) {
  if (item_size == out_size) {
    std::memcpy(dst, src, out_size);
    return;
  }
  int64_t v = 0;
  if (item_size == 1) v = int8_t(src[0]);
  else if (item_size == 2) { int16_t x; std::memcpy(&x, src, 2); v = x; }
  else { int32_t x; std::memcpy(&x, src, 4); v = x; }
  std::memcpy(dst, &v, 8);
}

class TorchHooks : public pickle::Hooks {
 public:
  TorchHooks(Heap& heap, const StorageSource& source, uint64_t budget) : heap_(heap), source_(source), budget_(budget) {}

  Value find_class(const std::string& module, const std::string& name) override {
    const auto global = [](int64_t tag) { return Value{Kind::Global, tag, 0, 0}; };
    if (module == "collections" && name == "OrderedDict") return global(kOrderedDict);
    if (module == "torch._utils") {
      if (name == "_rebuild_tensor_v2") return global(kRebuildTensorV2);
      if (name == "_rebuild_parameter") return global(kRebuildParameter);
      if (name == "_rebuild_parameter_with_state") return global(kRebuildParameterWithState);
    }
    if (module == "torch")
      for (size_t k = 0; k < std::size(kStorageTypes); ++k)
        if (name == kStorageTypes[k].name) return global(kFirstStorageType + int64_t(k));
    MT_CHECK(!is_tensor_machinery(module, name), "unsupported tensor kind '", module, ".", name,
             "': minitorch reads tensors that torch.save writes with torch._utils._rebuild_tensor_v2 or "
             "_rebuild_parameter over a torch.*Storage (dense CPU or CUDA tensors of a standard dtype)");
    const std::string qualified = module + "." + name;
    auto [it, fresh] = inert_index_.try_emplace(qualified, uint32_t(inert_names_.size()));
    if (fresh) {
      MT_CHECK(inert_names_.size() < kMaxInertGlobals, "the pickle names more than ", kMaxInertGlobals,
               " distinct Python classes and functions; a checkpoint needs a handful");
      inert_names_.push_back(qualified);
    }
    return {Kind::Global, kInertGlobal, 0, it->second};
  }

  // ('storage', StorageClass, key, location, numel) -> the archive entry data/<key>.
  Value persistent_load(const Value& pid) override {
    const auto& t = heap_.tuple(pid, "a persistent id");
    MT_CHECK(t.size() == 5 && heap_.str(t[0], "the persistent id's kind") == "storage",
             "expected a persistent id ('storage', type, key, location, numel)");
    MT_CHECK(t[1].kind == Kind::Global && t[1].i >= kFirstStorageType, "the persistent id's type is not a torch storage class");
    const size_t type = size_t(t[1].i - kFirstStorageType);
    const std::string& key = heap_.str(t[2], "the storage key");
    heap_.str(t[3], "the storage location");  // "cpu", "cuda:0": everything loads to the CPU
    const int64_t numel = heap_.integer(t[4], "the storage size");
    MT_CHECK(numel >= 0, "storage '", key, "' has negative size ", numel);

    auto [it, fresh] = storage_index_.try_emplace(key, uint32_t(storages_.size()));
    if (!fresh) {  // a storage shared by several tensors (views, tied weights)
      const Storage& s = storages_[it->second];
      MT_CHECK(s.type == type && s.numel == uint64_t(numel), "storage '", key, "' is used with two types or sizes");
      return {Kind::Object, kStorageObject, 0, it->second};
    }
    Storage s{key, type, source_(key), uint64_t(numel)};
    const size_t item = kStorageTypes[type].item_size;
    MT_CHECK(s.bytes.size() % item == 0 && s.bytes.size() / item == s.numel, "storage '", key, "' should hold ", numel,
             " elements of ", item, " bytes, but its entry has ", s.bytes.size(), " bytes");
    // A byte other than 0 or 1 is not a valid C++ bool: reject it rather than read it.
    if (kStorageTypes[type].dtype == kBool)
      for (size_t i = 0; i < s.bytes.size(); ++i)
        MT_CHECK(s.bytes[i] <= 1, "bool storage '", key, "' holds ", int(s.bytes[i]), " at element ", i, " (expected 0 or 1)");
    storages_.push_back(std::move(s));
    return {Kind::Object, kStorageObject, 0, it->second};
  }

  Value call(const Value& callable, const Value& args_value) override {
    if (is_inert(callable)) {  // never run: the object only remembers what made it
      const uint32_t name = callable.kind == Kind::Global ? callable.ref : inert_objects_[callable.ref].name;
      inert_objects_.push_back({name, false});
      return {Kind::Object, kInertObject, 0, uint32_t(inert_objects_.size() - 1)};
    }
    MT_CHECK(callable.kind == Kind::Global, "a ", pickle::kind_name(callable.kind), " is called, expected a global");
    const auto& args = heap_.tuple(args_value, "the arguments");
    switch (callable.i) {
      case kOrderedDict:
        MT_CHECK(args.empty(), "OrderedDict is called with arguments (expected none)");
        return heap_.add_dict();
      case kRebuildTensorV2:  // (storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
        MT_CHECK(args.size() == 6 || args.size() == 7, "_rebuild_tensor_v2 takes 6 or 7 arguments, got ", args.size());
        return rebuild_tensor(args);
      case kRebuildParameter:  // (data, requires_grad, backward_hooks): the tensor is the data
      case kRebuildParameterWithState:  // (data, requires_grad, backward_hooks, state)
        MT_CHECK(args.size() == (callable.i == kRebuildParameter ? 3u : 4u) && is_tensor(args[0]),
                 "_rebuild_parameter expects a tensor and its flags");
        return args[0];
      default:
        detail::fail("torch.", kStorageTypes[size_t(callable.i - kFirstStorageType)].name, " cannot be called here");
    }
  }

  // An OrderedDict's attributes (state_dict() sets _metadata, the modules' versions) and an inert
  // object's state are dropped.
  void build(const Value& obj, const Value& state) override {
    MT_CHECK(obj.kind == Kind::Dict || is_inert(obj), "BUILD sets the state of a ", pickle::kind_name(obj.kind),
             " (expected a dict or an object)");
    // A torch.nn.Module pickles its __dict__, whose "_parameters" holds its weights: the object is
    // a whole model, whose tensors a state dict would have named.
    if (obj.kind == Kind::Object && state.kind == Kind::Dict)
      for (const auto& [key, value] : heap_.dicts[state.ref])
        if (key.kind == Kind::Str && heap_.strings[key.ref] == "_parameters") inert_objects_[obj.ref].module = true;
  }

  static bool is_tensor(const Value& v) { return v.kind == Kind::Object && v.i == kTensorObject; }
  static bool is_inert(const Value& v) {
    return (v.kind == Kind::Global && v.i == kInertGlobal) || (v.kind == Kind::Object && v.i == kInertObject);
  }
  const Tensor& tensor(const Value& v) const { return tensors_[v.ref]; }
  // "argparse.Namespace" for an inert global or an object it built.
  const std::string& inert_name(const Value& v) const {
    return inert_names_[v.kind == Kind::Global ? v.ref : inert_objects_[v.ref].name];
  }
  // Whether `v` is a pickled torch.nn.Module (torch.save(model) rather than its state dict).
  bool is_module(const Value& v) const {
    return v.kind == Kind::Object && v.i == kInertObject && inert_objects_[v.ref].module;
  }

 private:
  Shape int_tuple(const Value& v, const char* what) const {
    Shape out;
    for (const Value& x : heap_.tuple(v, what)) out.push_back(heap_.integer(x, what));
    return out;
  }

  Value rebuild_tensor(const std::vector<Value>& args) {
    MT_CHECK(args[0].kind == Kind::Object && args[0].i == kStorageObject, "_rebuild_tensor_v2 expects a storage, found ",
             pickle::kind_name(args[0].kind));
    const Storage& s = storages_[args[0].ref];
    const StorageType& type = kStorageTypes[s.type];
    const int64_t offset = heap_.integer(args[1], "the storage offset");
    const Shape size = int_tuple(args[2], "the size"), stride = int_tuple(args[3], "the stride");
    MT_CHECK(size.size() == stride.size(), "the tensor has size ", shape_str(size), " but stride ", shape_str(stride));
    MT_CHECK(size.size() <= size_t(kernels::kMaxDims), "the tensor has ", size.size(), " dims; minitorch supports at most ",
             kernels::kMaxDims);
    MT_CHECK(offset >= 0, "the tensor has negative storage offset ", offset);

    // The largest element index the view reaches must lie inside the storage; computed without
    // overflow, since the numbers come from the file.
    int64_t numel = 1, last = offset;
    bool overflow = false;
    for (size_t d = 0; d < size.size(); ++d) {
      MT_CHECK(size[d] >= 0 && stride[d] >= 0, "the tensor has size ", shape_str(size), " and stride ", shape_str(stride),
               " (expected no negative entries)");
      int64_t reach;
      overflow |= __builtin_mul_overflow(numel, size[d], &numel);
      overflow |= size[d] > 0 && (__builtin_mul_overflow(size[d] - 1, stride[d], &reach) || __builtin_add_overflow(last, reach, &last));
    }
    MT_CHECK(!overflow, "the tensor's size ", shape_str(size), " and stride ", shape_str(stride), " overflow");
    MT_CHECK(numel == 0 || uint64_t(last) < s.numel, "the tensor (offset ", offset, ", size ", shape_str(size), ", stride ",
             shape_str(stride), ") reaches element ", last, " of storage '", s.key, "', which has ", s.numel);

    uint64_t nbytes;
    overflow = __builtin_mul_overflow(uint64_t(numel), dtype_size(type.dtype), &nbytes);
    MT_CHECK(!overflow && nbytes <= budget_ - used_, "the tensors would take more than ", budget_,
             " bytes, far more than the file holds (corrupt sizes or strides)");
    used_ += nbytes;

    Tensor t = empty(size, {.dtype = type.dtype});
    uint8_t* dst = static_cast<uint8_t*>(t.raw_data());
    const uint8_t* src = s.bytes.data();
    const size_t in_item = type.item_size, out_item = dtype_size(type.dtype);
    if (numel > 0 && in_item == out_item && row_major(size, stride)) {
      std::memcpy(dst, src + size_t(offset) * in_item, size_t(nbytes));
    } else {
      // Walk the view in row-major order, moving the source index by the strides.
      Shape index(size.size(), 0);
      int64_t at = offset;
      for (int64_t n = 0; n < numel; ++n) {
        convert_item(src + size_t(at) * in_item, in_item, dst + size_t(n) * out_item, out_item);
        for (size_t d = size.size(); d-- > 0;) {
          if (++index[d] < size[d]) {
            at += stride[d];
            break;
          }
          at -= stride[d] * (size[d] - 1);
          index[d] = 0;
        }
      }
    }
    tensors_.push_back(std::move(t));
    return {Kind::Object, kTensorObject, 0, uint32_t(tensors_.size() - 1)};
  }

  Heap& heap_;
  const StorageSource& source_;
  uint64_t budget_, used_ = 0;
  std::vector<Storage> storages_;
  std::unordered_map<std::string, uint32_t> storage_index_;
  std::vector<Tensor> tensors_;
  std::vector<std::string> inert_names_;
  std::unordered_map<std::string, uint32_t> inert_index_;
  struct InertObject {
    uint32_t name;  // index into inert_names_
    bool module;    // its state holds "_parameters": a torch.nn.Module
  };
  std::vector<InertObject> inert_objects_;
};

// Walks nested dicts depth first, in order, naming tensors by their path of keys.
class Flattener {
 public:
  Flattener(const Heap& heap, const TorchHooks& hooks, const std::string& where)
      : heap_(heap), hooks_(hooks), where_(where) {}

  StateDict run(const Value& root) {
    if (root.kind == Kind::Tuple || root.kind == Kind::List) {
      // torch.save((features, labels)): the elements are named "0", "1", ...
      const auto& items = heap_.sequences[root.ref];
      for (size_t i = 0; i < items.size(); ++i) {
        check_not_module(items[i], "element " + std::to_string(i));
        if (TorchHooks::is_tensor(items[i])) out_.insert(std::to_string(i), hooks_.tensor(items[i]));
        else if (items[i].kind == Kind::Dict) walk(items[i], std::to_string(i), 1);
      }
      MT_CHECK(!out_.empty(), where_, ": data.pkl holds a ", pickle::kind_name(root.kind),
               ", expected a dict of tensors or a tuple of tensors (it has no tensors)");
      return std::move(out_);
    }
    check_not_module(root, "data.pkl");
    MT_CHECK(!TorchHooks::is_inert(root), where_, ": data.pkl holds a Python object made by ", hooks_.inert_name(root),
             ", not a dict of tensors (nothing in it was run)");
    MT_CHECK(root.kind == Kind::Dict, where_, ": data.pkl holds a ",
             TorchHooks::is_tensor(root) ? "single tensor" : pickle::kind_name(root.kind),
             ", expected a dict of tensors (a state dict, or a checkpoint dict holding one), or a tuple of tensors");
    walk(root, "", 0);
    return std::move(out_);
  }

 private:
  // A dict may appear at several places (or inside itself), so a few bytes of pickle can describe
  // a tree with 2^64 paths: the walk is bounded in depth and in the bytes of names it builds.
  static constexpr int kMaxDepth = 64;
  static constexpr size_t kMaxNameBytes = 1u << 28;

  void walk(const Value& dict, const std::string& prefix, int depth) {
    MT_CHECK(depth <= kMaxDepth, where_, ": dicts nest deeper than ", kMaxDepth, " levels (or a dict contains itself)");
    for (const auto& [key, value] : heap_.dicts[dict.ref]) {
      const bool tensor = TorchHooks::is_tensor(value);
      // Numbers, strings, None, lists and other Python objects (inert placeholders): not state;
      // but a whole pickled model is refused below, by name.
      const bool module = hooks_.is_module(value);
      if (!tensor && !module && value.kind != Kind::Dict) continue;
      std::string name;
      if (key.kind == Kind::Str) name = heap_.strings[key.ref];
      else if (key.kind == Kind::Int) name = std::to_string(key.i);  // e.g. an optimizer's per-parameter state
      else continue;
      if (!prefix.empty()) name = prefix + "." + name;
      if (module) check_not_module(value, "'" + name + "'");
      name_bytes_ += name.size() + 1;
      MT_CHECK(name_bytes_ <= kMaxNameBytes, where_, ": the nested dicts name more than ", kMaxNameBytes,
               " bytes of keys (a dict shared many times over, or one that contains itself)");
      if (tensor) {
        MT_CHECK(!out_.contains(name), where_, ": two tensors are named '", name, "'");
        out_.insert(name, hooks_.tensor(value));
      } else {
        walk(value, name, depth + 1);
      }
    }
  }

  // A whole pickled model in place of a state dict: its weights would silently be missing.
  void check_not_module(const Value& v, const std::string& what) const {
    MT_CHECK(!hooks_.is_module(v), where_, ": ", what, " holds a whole pickled model (", hooks_.inert_name(v),
             "), not its tensors: torch.save(model) pickles references to the model's code; save "
             "model.state_dict() in its place");
  }

  const Heap& heap_;
  const TorchHooks& hooks_;
  const std::string& where_;
  StateDict out_;
  size_t name_bytes_ = 0;
};

}  // namespace

StateDict unpickle_state_dict(std::span<const uint8_t> pickle, const StorageSource& storages, uint64_t max_tensor_bytes,
                              const std::string& where) {
  Heap heap;
  TorchHooks hooks(heap, storages, max_tensor_bytes);
  const Value root = pickle::unpickle(pickle.data(), pickle.size(), heap, hooks, where + ": data.pkl");
  return Flattener(heap, hooks, where).run(root);
}

}  // namespace minitorch::internal
