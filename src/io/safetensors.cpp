// safetensors reader and writer. The reader trusts nothing: the header length, every offset and
// every shape are checked against the file before a byte of tensor data is copied, and, as in the
// reference implementation, the tensors must tile the data section exactly (no gaps, no overlaps).
#include "minitorch/io/safetensors.hpp"

#include <algorithm>

#include "byte_reader.hpp"
#include "file_io.hpp"
#include "json.hpp"
#include "kernels.hpp"

namespace minitorch {
namespace {

using internal::Json;

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the reference implementation's limit

struct DTypeCode {
  const char* code;
  DType dtype;
};
constexpr DTypeCode kDTypeCodes[] = {{"F32", kFloat32}, {"F16", kFloat16}, {"BF16", kBFloat16}, {"F64", kFloat64},
                                     {"I64", kInt64},   {"U8", kUInt8},     {"BOOL", kBool}};

const char* code_of(DType t) {
  for (const auto& c : kDTypeCodes)
    if (c.dtype == t) return c.code;
  detail::fail("safetensors: no code for dtype ", dtype_name(t));
}

struct Entry {
  std::string name;
  DType dtype = kFloat32;
  Shape shape;
  uint64_t begin = 0, end = 0;  // in the data section
};

class HeaderReader {
 public:
  HeaderReader(std::string where, uint64_t data_size) : where_(std::move(where)), data_size_(data_size) {}

  Entry entry(const std::string& name, const Json& v) const {
    if (v.type != Json::Type::Object) fail(name, "is a JSON ", internal::json_type_name(v.type), ", expected an object");
    const Json *dtype = nullptr, *shape = nullptr, *offsets = nullptr;
    for (const auto& [key, field] : v.object) {
      if (key == "dtype") dtype = &field;
      else if (key == "shape") shape = &field;
      else if (key == "data_offsets") offsets = &field;
      else fail(name, "has an unknown field ", internal::json_quote(key), " (expected dtype, shape and data_offsets)");
    }
    if (!dtype || !shape || !offsets) fail(name, "lacks ", !dtype ? "dtype" : !shape ? "shape" : "data_offsets");

    Entry e;
    e.name = name;
    e.dtype = parse_dtype(name, *dtype);
    e.shape = parse_shape(name, *shape);
    if (offsets->type != Json::Type::Array || offsets->array.size() != 2 ||
        offsets->array[0].type != Json::Type::Integer || offsets->array[1].type != Json::Type::Integer)
      fail(name, "has data_offsets that are not [begin, end]");
    const int64_t begin = offsets->array[0].integer, end = offsets->array[1].integer;
    if (begin < 0 || end < begin || uint64_t(end) > data_size_)
      fail(name, "has data_offsets [", begin, ", ", end, "] outside the data section of ", data_size_,
           " bytes (expected 0 <= begin <= end <= ", data_size_, ")");
    e.begin = uint64_t(begin);
    e.end = uint64_t(end);

    // The strides multiply the non-zero sizes, even when a zero makes the element count 0.
    int64_t numel = 1, reach = 1;
    for (int64_t d : e.shape)
      if (__builtin_mul_overflow(numel, d, &numel) || __builtin_mul_overflow(reach, std::max<int64_t>(d, 1), &reach))
        fail(name, "has shape ", shape_str(e.shape), " whose size overflows");
    uint64_t nbytes;
    if (__builtin_mul_overflow(uint64_t(numel), dtype_size(e.dtype), &nbytes) || nbytes != e.end - e.begin)
      fail(name, "has ", e.end - e.begin, " bytes of data, but shape ", shape_str(e.shape), " of ",
           code_of(e.dtype), " needs ", numel, " x ", dtype_size(e.dtype));
    return e;
  }

  template <class... Parts>
  [[noreturn]] void fail(const std::string& name, const Parts&... parts) const {
    detail::fail(where_, ": tensor ", internal::json_quote(name), " ", parts...);
  }

 private:
  DType parse_dtype(const std::string& name, const Json& v) const {
    if (v.type != Json::Type::String) fail(name, "has a dtype that is not a string");
    for (const auto& c : kDTypeCodes)
      if (v.string == c.code) return c.dtype;
    fail(name, "has dtype ", internal::json_quote(v.string),
         ", which minitorch does not support (expected F32, F16, BF16, F64, I64, U8 or BOOL)");
  }

  Shape parse_shape(const std::string& name, const Json& v) const {
    if (v.type != Json::Type::Array) fail(name, "has a shape that is not an array");
    if (v.array.size() > size_t(kernels::kMaxDims))
      fail(name, "has ", v.array.size(), " dims; minitorch supports at most ", kernels::kMaxDims);
    Shape shape;
    for (const Json& d : v.array) {
      if (d.type != Json::Type::Integer || d.integer < 0) fail(name, "has a shape entry that is not a non-negative integer");
      shape.push_back(d.integer);
    }
    return shape;
  }

  std::string where_;
  uint64_t data_size_;
};

SafetensorsMetadata parse_metadata(const Json& v, const std::string& where) {
  MT_CHECK(v.type == Json::Type::Object, where, ": __metadata__ is a JSON ", internal::json_type_name(v.type),
           ", expected an object of strings");
  SafetensorsMetadata out;
  for (const auto& [key, value] : v.object) {
    MT_CHECK(value.type == Json::Type::String, where, ": __metadata__ entry ", internal::json_quote(key), " is a ",
             internal::json_type_name(value.type), ", expected a string");
    out.emplace(key, value.string);
  }
  return out;
}

// Checks that the tensors tile [0, data_size) exactly; `entries` is reordered by offset.
void check_layout(std::vector<Entry>& entries, uint64_t data_size, const HeaderReader& header, const std::string& where) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < covered)
      header.fail(e.name, "(bytes [", e.begin, ", ", e.end, ")) overlaps tensor ", internal::json_quote(previous->name),
                  " (bytes [", previous->begin, ", ", previous->end, "))");
    if (e.begin > covered)
      header.fail(e.name, "starts at byte ", e.begin, " of the data section, leaving a gap after byte ", covered);
    covered = e.end;
    if (e.end > e.begin) previous = &e;
  }
  MT_CHECK(covered == data_size, where, ": the data section has ", data_size, " bytes but the tensors cover only ",
           covered, " (the file has trailing bytes or the header is incomplete)");
}

Tensor make_tensor(const Entry& e, const uint8_t* data, const HeaderReader& header) {
  const uint8_t* src = data + e.begin;
  const size_t nbytes = size_t(e.end - e.begin);
  // A bool byte other than 0 or 1 is not a valid C++ bool; reject it rather than read it.
  if (e.dtype == kBool)
    for (size_t i = 0; i < nbytes; ++i)
      if (src[i] > 1) header.fail(e.name, "is BOOL but byte ", i, " holds ", int(src[i]), " (expected 0 or 1)");
  Tensor t = empty(e.shape, {.dtype = e.dtype});
  if (nbytes > 0) std::memcpy(t.raw_data(), src, nbytes);
  return t;
}

}  // namespace

StateDict parse_safetensors(const uint8_t* data, size_t size, const std::string& name_for_errors,
                            SafetensorsMetadata* metadata) {
  const std::string where = "safetensors: " + name_for_errors;
  internal::ByteReader in(data, size, where);
  MT_CHECK(size >= 8, where, ": the file has ", size, " bytes, too short for the 8-byte header length");
  const uint64_t header_size = in.u64("the header length");
  MT_CHECK(header_size <= kMaxHeaderBytes, where, ": header length ", header_size, " is over the limit of ",
           kMaxHeaderBytes, " bytes (corrupt file, or not a safetensors file)");
  MT_CHECK(header_size <= in.remaining(), where, ": header length ", header_size, " runs past the end of the file (",
           size, " bytes; expected at most ", in.remaining(), ")");
  const char* header_text = reinterpret_cast<const char*>(in.take(header_size, "the header"));
  const Json header = internal::parse_json(std::string_view(header_text, size_t(header_size)), where, 8);
  MT_CHECK(header.type == Json::Type::Object, where, ": the header is a JSON ", internal::json_type_name(header.type),
           ", expected an object");

  const uint8_t* section = data + in.pos();
  const uint64_t section_size = in.remaining();
  HeaderReader reader(where, section_size);
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.object) {
    if (name == "__metadata__") {
      SafetensorsMetadata parsed = parse_metadata(value, where);
      if (metadata) *metadata = std::move(parsed);
    } else {
      entries.push_back(reader.entry(name, value));
    }
  }
  std::vector<Entry> by_offset = entries;
  check_layout(by_offset, section_size, reader, where);

  StateDict out;
  for (const Entry& e : entries) out.insert(e.name, make_tensor(e, section, reader));  // header order
  return out;
}

StateDict load_safetensors(const std::string& path, SafetensorsMetadata* metadata) {
  const std::vector<uint8_t> bytes = internal::read_file_bytes(path, "load_safetensors");
  return parse_safetensors(bytes.data(), bytes.size(), path, metadata);
}

void save_safetensors(const std::string& path, const StateDict& tensors, const SafetensorsMetadata& metadata) {
  const auto check_text = [](const std::string& s, const char* what) {
    MT_CHECK(internal::valid_utf8(s), "save_safetensors: ", what, " ", internal::json_quote(s),
             " is not valid UTF-8 (JSON strings must be)");
  };
  // Built with += only: g++ 12 warns falsely (-Wrestrict) on chains of string operator+.
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (const auto& [key, value] : metadata) {
      check_text(key, "metadata key");
      check_text(value, "metadata value");
      if (header.back() != '{') header += ',';
      header += internal::json_quote(key);
      header += ':';
      header += internal::json_quote(value);
    }
    header += '}';
  }
  std::vector<Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    MT_CHECK(name != "__metadata__", "save_safetensors: '__metadata__' is reserved and cannot name a tensor");
    check_text(name, "tensor name");
    Tensor t = tensor.detach().to(kCPU).contiguous();
    const uint64_t nbytes = uint64_t(t.numel()) * t.element_size();
    if (header.size() > 1) header += ',';
    header += internal::json_quote(name);
    header += ":{\"dtype\":\"";
    header += code_of(t.dtype());
    header += "\",\"shape\":[";
    for (size_t d = 0; d < t.shape().size(); ++d) {
      if (d) header += ',';
      header += std::to_string(t.shape()[d]);
    }
    header += "],\"data_offsets\":[";
    header += std::to_string(offset);
    header += ',';
    header += std::to_string(offset + nbytes);
    header += "]}";
    offset += nbytes;
    contiguous.push_back(std::move(t));
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned in the file
  MT_CHECK(header.size() <= kMaxHeaderBytes, "save_safetensors: the header would have ", header.size(),
           " bytes, over the format's limit of ", kMaxHeaderBytes);

  internal::AtomicFile file(path, "save_safetensors");
  const uint64_t header_size = header.size();
  file.write(&header_size, 8);
  file.write(header.data(), header.size());
  for (const Tensor& t : contiguous) file.write(t.raw_data(), size_t(t.numel()) * t.element_size());
  file.commit();
}

}  // namespace minitorch
