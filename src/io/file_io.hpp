#pragma once
// Whole-file reads and atomic writes for the checkpoint formats.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace minitorch::internal {

// The bytes of a file; `op` names the caller in errors ("load_pth").
std::vector<uint8_t> read_file_bytes(const std::string& path, const char* op);

// Writes `path + ".tmp"` and renames it over `path` on commit(), so a reader never sees a
// half-written file and an interrupted save leaves the old file intact. Without commit() the
// temporary file is removed.
class AtomicFile {
 public:
  AtomicFile(std::string path, const char* op);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n);
  void commit();

 private:
  [[noreturn]] void fail_io(const char* action);
  std::string path_, tmp_;
  const char* op_;
  std::FILE* file_ = nullptr;
};

}  // namespace minitorch::internal
