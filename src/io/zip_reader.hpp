#pragma once
// Reads the entries of a zip archive held in memory (the container of torch.save files). Only
// what such archives use: one disk, stored or deflated entries, zip64 sizes and offsets. The
// central directory is the source of truth (torch.save writes sizes and CRCs only there); every
// local header must agree with it, entries must not overlap, and every read checks the CRC.
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace minitorch::internal {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;         // uncompressed
  uint64_t header_offset = 0;  // of the local header in the archive
  uint64_t data_offset = 0;    // of the (compressed) data
};

class ZipReader {
 public:
  // `where` prefixes errors ("pth: model.pth").
  ZipReader(const uint8_t* data, size_t size, std::string where);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const;  // null when absent

  // The uncompressed bytes of an entry: a view into the archive when it is stored, else
  // inflated into `buffer` (which must outlive the view). The CRC-32 is checked either way.
  std::span<const uint8_t> read(const ZipEntry& entry, std::vector<uint8_t>& buffer) const;

 private:
  void read_directory();
  const uint8_t* data_;
  size_t size_;
  std::string where_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> index_;  // name -> position in entries_
};

}  // namespace minitorch::internal
