#include "zip_reader.hpp"

#include <zlib.h>

#include <algorithm>

#include "byte_reader.hpp"

namespace minitorch::internal {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr size_t kEndSize = 22, kCentralSize = 46, kLocatorSize = 20;
constexpr uint32_t kSaturated32 = 0xffffffffu;  // "the real value is in the zip64 extra field"
// Deflate cannot compress better than about 1032:1; a larger claimed size is a lie (or a bomb).
constexpr uint64_t kMaxDeflateRatio = 1032;

struct Directory {
  uint64_t entries = 0, size = 0, offset = 0;
  uint64_t limit = 0;  // the directory must end before this offset (the end records follow it)
};

// The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB; the
// record whose comment ends exactly at the end of the file is the real one.
size_t find_end_record(const uint8_t* data, size_t size, const std::string& where) {
  if (size >= kEndSize) {
    const size_t lowest = size - kEndSize > 0xffff ? size - kEndSize - 0xffff : 0;
    for (size_t pos = size - kEndSize + 1; pos-- > lowest;) {
      if (ByteReader::load<uint32_t>(data + pos) == kEndSig &&
          pos + kEndSize + ByteReader::load<uint16_t>(data + pos + 20) == size)
        return pos;
    }
  }
  detail::fail(where, ": not a zip archive (no end-of-central-directory record); expected a file written by "
               "torch.save with PyTorch >= 1.6");
}

Directory locate_directory(ByteReader& in, size_t end_pos) {
  in.seek(end_pos + 4, "the end-of-central-directory record");
  const uint16_t disk = in.u16("the disk number"), directory_disk = in.u16("the directory's disk number");
  const uint16_t disk_entries = in.u16("the entry count"), entries = in.u16("the entry count");
  Directory dir{entries, in.u32("the directory size"), in.u32("the directory offset"), end_pos};
  if (disk != 0 || directory_disk != 0 || disk_entries != entries) in.fail("multi-disk zip archives are not supported");

  // zip64 (large archives; torch.save always writes it): a locator right before the record
  // points at a record with 64-bit counts and offsets, which then take precedence.
  if (end_pos < kLocatorSize) return dir;
  in.seek(end_pos - kLocatorSize, "the zip64 locator");
  if (in.u32("the zip64 locator") != kZip64LocatorSig) return dir;
  const uint32_t record_disk = in.u32("the zip64 locator");
  const uint64_t record = in.u64("the zip64 record offset");
  const uint32_t disks = in.u32("the zip64 locator");
  if (record_disk != 0 || disks > 1) in.fail("multi-disk zip archives are not supported");
  if (record > end_pos - kLocatorSize) in.fail("zip64 record offset ", record, " is past the locator");
  in.seek(size_t(record), "the zip64 end-of-central-directory record");
  if (in.u32("the zip64 record") != kZip64EndSig) in.fail("expected the zip64 end-of-central-directory record");
  in.take(8 + 2 + 2, "the zip64 record");  // record size, versions
  if (in.u32("the disk number") != 0 || in.u32("the directory's disk number") != 0)
    in.fail("multi-disk zip archives are not supported");
  const uint64_t zip64_disk_entries = in.u64("the entry count");
  dir.entries = in.u64("the entry count");
  dir.size = in.u64("the directory size");
  dir.offset = in.u64("the directory offset");
  dir.limit = record;
  if (zip64_disk_entries != dir.entries) in.fail("multi-disk zip archives are not supported");
  return dir;
}

// Replaces saturated 32-bit fields with their values from the zip64 extra field (id 1), which
// holds them in this order and only those that are saturated.
void read_zip64_extra(ByteReader& extra, uint64_t& size, uint64_t& compressed, uint64_t& local_offset) {
  while (extra.remaining() > 0) {
    const uint16_t id = extra.u16("an extra field id");
    const uint16_t length = extra.u16("an extra field length");
    ByteReader field(extra.take(length, "an extra field"), length, extra.where(), 0);
    if (id != 1) continue;
    if (size == kSaturated32) size = field.u64("the zip64 size");
    if (compressed == kSaturated32) compressed = field.u64("the zip64 compressed size");
    if (local_offset == kSaturated32) local_offset = field.u64("the zip64 local header offset");
    return;
  }
}

}  // namespace

ZipReader::ZipReader(const uint8_t* data, size_t size, std::string where)
    : data_(data), size_(size), where_(std::move(where)) {
  read_directory();
}

void ZipReader::read_directory() {
  ByteReader file(data_, size_, where_ + ": zip");
  const Directory dir = locate_directory(file, find_end_record(data_, size_, where_));
  if (dir.offset > dir.limit || dir.size > dir.limit - dir.offset)
    file.fail("the central directory (", dir.size, " bytes at ", dir.offset, ") does not fit before its end record");
  if (dir.entries > dir.size / kCentralSize)
    file.fail(dir.entries, " entries cannot fit in a central directory of ", dir.size, " bytes");

  ByteReader cd(data_ + dir.offset, size_t(dir.size), where_ + ": zip central directory", size_t(dir.offset));
  entries_.reserve(size_t(dir.entries));
  for (uint64_t i = 0; i < dir.entries; ++i) {
    if (cd.u32("a central directory header") != kCentralSig) cd.fail("expected a central directory header");
    cd.take(4, "the header");  // versions
    const uint16_t flags = cd.u16("the flags");
    ZipEntry e;
    e.method = cd.u16("the compression method");
    cd.take(4, "the header");  // time, date
    e.crc32 = cd.u32("the CRC");
    e.compressed_size = cd.u32("the compressed size");
    e.size = cd.u32("the size");
    const uint16_t name_length = cd.u16("the name length"), extra_length = cd.u16("the extra length");
    const uint16_t comment_length = cd.u16("the comment length");
    cd.take(8, "the header");  // disk, attributes
    uint64_t local_offset = cd.u32("the local header offset");
    e.name.assign(reinterpret_cast<const char*>(cd.take(name_length, "the entry name")), name_length);
    ByteReader extra(cd.take(extra_length, "the extra fields"), extra_length, cd.where(), size_t(dir.offset) + cd.pos());
    read_zip64_extra(extra, e.size, e.compressed_size, local_offset);
    cd.take(comment_length, "the entry comment");

    const std::string what = "entry '" + e.name + "'";
    if (flags & 1) cd.fail(what, " is encrypted");
    if (e.method != 0 && e.method != 8)
      cd.fail(what, " uses compression method ", e.method, " (expected 0, stored, or 8, deflated)");
    if (e.method == 0 && e.compressed_size != e.size)
      cd.fail(what, " is stored but its sizes differ (", e.compressed_size, " vs ", e.size, ")");
    if (e.method == 8 && e.size / kMaxDeflateRatio > e.compressed_size + 1)
      cd.fail(what, " claims ", e.size, " bytes from ", e.compressed_size, " compressed ones, beyond what deflate can do");
    if (!index_.emplace(e.name, entries_.size()).second) cd.fail("the archive has two entries named '", e.name, "'");

    // The local header repeats the name and has its own extra field; the data follows it.
    if (local_offset >= dir.offset) cd.fail(what, ": local header offset ", local_offset, " is not before the directory");
    file.seek(size_t(local_offset), "a local header");
    if (file.u32("a local header") != kLocalSig) file.fail("expected the local header of ", what);
    file.take(22, "the local header");
    const uint16_t local_name_length = file.u16("the name length"), local_extra_length = file.u16("the extra length");
    const uint8_t* local_name = file.take(local_name_length, "the entry name");
    if (std::string_view(reinterpret_cast<const char*>(local_name), local_name_length) != e.name)
      file.fail("the local header of ", what, " names another entry");
    file.take(local_extra_length, "the local extra fields");
    e.header_offset = local_offset;
    e.data_offset = file.pos();
    if (e.data_offset > dir.offset || e.compressed_size > dir.offset - e.data_offset)
      file.fail("the ", e.compressed_size, " bytes of ", what, " run into the central directory at byte ", dir.offset);
    entries_.push_back(std::move(e));
  }

  // Overlapping entries would let one stretch of compressed bytes be inflated many times.
  std::vector<std::pair<uint64_t, uint64_t>> spans;  // [local header, end of data)
  for (const ZipEntry& e : entries_) spans.emplace_back(e.header_offset, e.data_offset + e.compressed_size);
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i)
    if (spans[i].first < spans[i - 1].second) file.fail_at(size_t(spans[i].first), "zip entries overlap");
}

const ZipEntry* ZipReader::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

namespace {

// Inflates raw deflate data into exactly `out.size()` bytes; false if the stream is corrupt or
// its length differs. zlib counts in 32-bit units, so large entries go through in chunks.
bool inflate_exact(const uint8_t* in, uint64_t in_size, std::vector<uint8_t>& out, uint64_t out_size) {
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return false;
  out.resize(size_t(out_size) + 1);  // one spare byte, so a too-long stream shows as extra output
  constexpr uint64_t kChunk = 1u << 30;
  uint64_t in_left = in_size, out_left = out.size();
  uint8_t* next_out = out.data();
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (zs.avail_in == 0 && in_left > 0) {
      zs.avail_in = uInt(std::min(in_left, kChunk));
      zs.next_in = const_cast<Bytef*>(in + (in_size - in_left));
      in_left -= zs.avail_in;
    }
    if (zs.avail_out == 0 && out_left > 0) {
      zs.avail_out = uInt(std::min(out_left, kChunk));
      zs.next_out = next_out;
      next_out += zs.avail_out;
      out_left -= zs.avail_out;
    }
    rc = inflate(&zs, Z_NO_FLUSH);
  }
  const uint64_t produced = out.size() - out_left - zs.avail_out;
  const bool ok = rc == Z_STREAM_END && produced == out_size && in_left == 0 && zs.avail_in == 0;
  inflateEnd(&zs);
  out.resize(size_t(out_size));
  return ok;
}

uint32_t crc32_of(std::span<const uint8_t> bytes) {
  return uint32_t(crc32_z(crc32_z(0, nullptr, 0), bytes.data(), bytes.size()));
}

}  // namespace

std::span<const uint8_t> ZipReader::read(const ZipEntry& e, std::vector<uint8_t>& buffer) const {
  const uint8_t* src = data_ + e.data_offset;
  std::span<const uint8_t> bytes(src, size_t(e.size));
  if (e.method == 8) {
    MT_CHECK(inflate_exact(src, e.compressed_size, buffer, e.size), where_, ": zip entry '", e.name,
             "' does not inflate to its ", e.size, " bytes (corrupt deflate data)");
    bytes = std::span<const uint8_t>(buffer.data(), buffer.size());
  }
  MT_CHECK(crc32_of(bytes) == e.crc32, where_, ": zip entry '", e.name, "' fails its CRC-32 check (corrupt file)");
  return bytes;
}

}  // namespace minitorch::internal
