#include "file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "minitorch/error.hpp"
#include "minitorch/io/atomic_write.hpp"

namespace minitorch::internal {

std::vector<uint8_t> read_file_bytes(const std::string& path, const char* op) {
  std::error_code folder_ec;
  MT_CHECK(!std::filesystem::is_directory(path, folder_ec), op, ": '", path, "' is a folder (expected a file)");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  MT_CHECK(f, op, ": cannot open '", path, "': ", std::strerror(errno));
  std::vector<uint8_t> bytes;
  std::error_code ec;
  const auto expected_size = std::filesystem::file_size(path, ec);
  if (!ec) bytes.reserve(size_t(expected_size));
  uint8_t chunk[1 << 16];
  size_t n;
  // Read to the end rather than trusting the size: the file may change, or be a pipe.
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  const bool failed = std::ferror(f);
  std::fclose(f);
  MT_CHECK(!failed, op, ": error reading '", path, "'");
  return bytes;
}

AtomicFile::AtomicFile(std::string path, const char* op) : path_(std::move(path)), tmp_(path_ + ".tmp"), op_(op) {
  // A fresh file: whatever is left under the temporary name (a crashed save's file, or a link
  // planted to redirect the write) is removed, and the new one is created exclusively.
  ::unlink(tmp_.c_str());
  const int fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) fail_io("create");
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    ::close(fd);
    fail_io("create");
  }
}

AtomicFile::~AtomicFile() {
  if (file_) {
    std::fclose(file_);
    std::remove(tmp_.c_str());
  }
}

void AtomicFile::write(const void* data, size_t n) {
  if (n > 0 && std::fwrite(data, 1, n, file_) != n) fail_io("write");
}

void AtomicFile::commit() {
  // fsync before rename: otherwise a crash could leave the new name pointing at empty blocks.
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) fail_io("write");
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0) {
    std::remove(tmp_.c_str());
    fail_io("close");
  }
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) {
    std::remove(tmp_.c_str());
    detail::fail(op_, ": cannot rename '", tmp_, "' to '", path_, "': ", ec.message());
  }
}

void AtomicFile::fail_io(const char* action) {
  const int err = errno;
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
    std::remove(tmp_.c_str());
  }
  detail::fail(op_, ": cannot ", action, " '", tmp_, "': ", std::strerror(err));
}

}  // namespace minitorch::internal

namespace minitorch {

void write_file_atomic(const std::string& path, std::string_view bytes, const char* op) {
  internal::AtomicFile file(path, op);
  file.write(bytes.data(), bytes.size());
  file.commit();
}

}  // namespace minitorch
