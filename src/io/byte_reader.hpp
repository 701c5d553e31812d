#pragma once
// Bounds-checked reading of untrusted bytes. Every read checks the remaining length first, so a
// truncated or hostile file ends in an Error that names the file and the byte offset, never in
// an out-of-bounds read.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#include "minitorch/error.hpp"

namespace minitorch::internal {

// The file formats are little-endian and the readers copy raw bytes into tensors.
static_assert(std::endian::native == std::endian::little, "minitorch's io layer expects a little-endian host");

class ByteReader {
 public:
  // `where` prefixes every error ("pth: model.pth: data.pkl"); `base` is added to the offsets
  // shown, so errors about a part of a file give offsets in the whole file.
  ByteReader(const uint8_t* data, size_t size, std::string where, size_t base = 0)
      : data_(data), size_(size), where_(std::move(where)), base_(base) {}

  size_t pos() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  bool at_end() const { return pos_ == size_; }
  void seek(size_t pos, const char* what) {
    if (pos > size_) fail("offset ", pos, " of ", what, " is past the end (size ", size_, ")");
    pos_ = pos;
  }

  // The next n bytes, checked; `what` names them in the error.
  const uint8_t* take(uint64_t n, const char* what) {
    if (n > remaining()) fail(what, " needs ", n, " bytes but only ", remaining(), " remain");
    const uint8_t* p = data_ + pos_;
    pos_ += size_t(n);
    return p;
  }
  uint8_t u8(const char* what) { return *take(1, what); }
  uint16_t u16(const char* what) { return load<uint16_t>(take(2, what)); }
  uint32_t u32(const char* what) { return load<uint32_t>(take(4, what)); }
  uint64_t u64(const char* what) { return load<uint64_t>(take(8, what)); }

  template <class T>
  static T load(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));  // unaligned-safe
    return v;
  }

  // Error "where: byte N: parts..." with N the offset of the current position in the file.
  template <class... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    detail::fail(where_, ": byte ", base_ + pos_, ": ", parts...);
  }
  template <class... Parts>
  [[noreturn]] void fail_at(size_t pos, const Parts&... parts) const {
    detail::fail(where_, ": byte ", base_ + pos, ": ", parts...);
  }
  const std::string& where() const { return where_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string where_;
  size_t base_;
};

}  // namespace minitorch::internal
