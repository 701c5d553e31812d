// The writer side of the torch.save format: a stored (uncompressed) zip with one folder holding
// data.pkl, data/<n> (each tensor's bytes), byteorder and version. data.pkl rebuilds every tensor
// with torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks),
// where the storage is a persistent id ('storage', torch.FloatStorage, '<n>', 'cpu', numel).
#include "minitorch/io/pth_writer.hpp"

#include <zlib.h>

#include <cstring>

#include "file_io.hpp"

namespace minitorch {

namespace {

const char* storage_class(DType t) {
  switch (t) {
    case kFloat32: return "FloatStorage";
    case kFloat64: return "DoubleStorage";
    case kFloat16: return "HalfStorage";
    case kBFloat16: return "BFloat16Storage";
    case kInt64: return "LongStorage";
    case kUInt8: return "ByteStorage";
    case kBool: return "BoolStorage";
  }
  return "?";
}

// Pickle protocol 2 opcodes, written one by one.
class Pickler {
 public:
  std::vector<uint8_t> bytes;
  void op(uint8_t code) { bytes.push_back(code); }
  void global(const std::string& module, const std::string& name) {
    op('c');
    for (char c : module + "\n" + name + "\n") bytes.push_back(uint8_t(c));
  }
  void text(const std::string& s) {  // BINUNICODE
    op('X');
    put32(uint32_t(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  void integer(int64_t v) {
    if (v >= INT32_MIN && v <= INT32_MAX) {  // BININT
      op('J');
      put32(uint32_t(int32_t(v)));
      return;
    }
    op(0x8a);  // LONG1: 8 little-endian two's-complement bytes
    op(8);
    for (int i = 0; i < 8; ++i) op(uint8_t(uint64_t(v) >> (8 * i)));
  }
  void tuple_of(const Shape& values) {
    op('(');
    for (int64_t v : values) integer(v);
    op('t');
  }
  // _rebuild_tensor_v2(storage n, 0, shape, contiguous strides, False, OrderedDict())
  void tensor(const Tensor& t, size_t n) {
    global("torch._utils", "_rebuild_tensor_v2");
    op('(');
    op('(');
    text("storage");
    global("torch", storage_class(t.dtype()));
    text(std::to_string(n));
    text("cpu");
    integer(t.numel());
    op('t');
    op('Q');  // BINPERSID
    integer(0);
    tuple_of(t.shape());
    tuple_of(contiguous_strides(t.shape()));
    op(0x89);  // NEWFALSE: requires_grad
    global("collections", "OrderedDict");
    op(')');
    op('R');
    op('t');
    op('R');
  }

 private:
  void put32(uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes.push_back(uint8_t(v >> (8 * i)));
  }
};

// A stored zip whose entries start at 64-byte boundaries, as torch.save aligns them.
class ZipWriter {
 public:
  explicit ZipWriter(const std::string& path) : file_(path, "save_pth") {}
  void add(const std::string& name, const void* data, size_t size) {
    Entry e{name, uint32_t(crc32(0, static_cast<const Bytef*>(data), uInt(size))), size, offset_};
    MT_CHECK(size < 0xffffffffu && offset_ < 0xffffffffu, "save_pth: entry ", name, " is too large (zip64 not written)");
    const size_t header = 30 + name.size();
    const size_t pad = (64 - (offset_ + header + 4) % 64) % 64;  // extra field: 4-byte header + padding
    std::vector<uint8_t> h;
    put32(h, 0x04034b50);
    put16(h, 20), put16(h, 0), put16(h, 0), put16(h, 0), put16(h, 0);  // version, flags, stored, time, date
    put32(h, e.crc), put32(h, uint32_t(size)), put32(h, uint32_t(size));
    put16(h, uint16_t(name.size())), put16(h, uint16_t(4 + pad));
    h.insert(h.end(), name.begin(), name.end());
    put16(h, 0x4246), put16(h, uint16_t(pad));  // "FB" padding field, as torch.save writes
    h.insert(h.end(), pad, 0);
    write(h.data(), h.size());
    write(data, size);
    entries_.push_back(e);
  }
  void finish() {
    const size_t cd_start = offset_;
    for (const Entry& e : entries_) {
      std::vector<uint8_t> c;
      put32(c, 0x02014b50);
      put16(c, 20), put16(c, 20), put16(c, 0), put16(c, 0), put16(c, 0), put16(c, 0);
      put32(c, e.crc), put32(c, uint32_t(e.size)), put32(c, uint32_t(e.size));
      put16(c, uint16_t(e.name.size())), put16(c, 0), put16(c, 0), put16(c, 0), put16(c, 0);
      put32(c, 0), put32(c, uint32_t(e.offset));
      c.insert(c.end(), e.name.begin(), e.name.end());
      write(c.data(), c.size());
    }
    std::vector<uint8_t> end;
    put32(end, 0x06054b50);
    put16(end, 0), put16(end, 0), put16(end, uint16_t(entries_.size())), put16(end, uint16_t(entries_.size()));
    put32(end, uint32_t(offset_ - cd_start)), put32(end, uint32_t(cd_start)), put16(end, 0);
    write(end.data(), end.size());
    file_.commit();
  }

 private:
  struct Entry {
    std::string name;
    uint32_t crc;
    size_t size, offset;
  };
  static void put16(std::vector<uint8_t>& v, uint16_t x) { v.push_back(uint8_t(x)), v.push_back(uint8_t(x >> 8)); }
  static void put32(std::vector<uint8_t>& v, uint32_t x) {
    for (int i = 0; i < 4; ++i) v.push_back(uint8_t(x >> (8 * i)));
  }
  void write(const void* data, size_t n) {
    file_.write(data, n);
    offset_ += n;
  }
  internal::AtomicFile file_;
  size_t offset_ = 0;
  std::vector<Entry> entries_;
};

void write_archive(const std::string& path, const Pickler& pickle, const std::vector<Tensor>& tensors) {
  ZipWriter zip(path);
  zip.add("archive/data.pkl", pickle.bytes.data(), pickle.bytes.size());
  zip.add("archive/byteorder", "little", 6);
  for (size_t i = 0; i < tensors.size(); ++i)
    zip.add("archive/data/" + std::to_string(i), tensors[i].raw_data(), size_t(tensors[i].numel()) * tensors[i].element_size());
  zip.add("archive/version", "3\n", 2);
  zip.finish();
}

std::vector<Tensor> host_copies(const std::vector<Tensor>& tensors) {
  std::vector<Tensor> out;
  for (const Tensor& t : tensors) {
    MT_CHECK(t.defined(), "save_pth: undefined tensor");
    out.push_back(t.detach().to(kCPU).contiguous());
  }
  return out;
}

}  // namespace

void save_pth(const std::string& path, const StateDict& dict) {
  std::vector<Tensor> tensors;
  for (const auto& [name, t] : dict) tensors.push_back(t);
  tensors = host_copies(tensors);
  Pickler p;
  p.op(0x80), p.op(2);  // PROTO 2
  p.global("collections", "OrderedDict");
  p.op(')'), p.op('R');
  p.op('(');  // MARK, then key/value pairs, SETITEMS
  size_t i = 0;
  for (const auto& [name, t] : dict) {
    p.text(name);
    p.tensor(tensors[i], i);
    ++i;
  }
  p.op('u');
  p.op('.');
  write_archive(path, p, tensors);
}

void save_pth_tuple(const std::string& path, const std::vector<Tensor>& items) {
  const std::vector<Tensor> tensors = host_copies(items);
  Pickler p;
  p.op(0x80), p.op(2);
  p.op('(');
  for (size_t i = 0; i < tensors.size(); ++i) p.tensor(tensors[i], i);
  p.op('t');
  p.op('.');
  write_archive(path, p, tensors);
}

}  // namespace minitorch
