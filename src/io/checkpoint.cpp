// save_checkpoint / load_checkpoint: the order of the writes that makes a checkpoint survive a
// crash at any moment, and the checks on load.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "checkpoint_files.hpp"
#include "file_io.hpp"
#include "minitorch/io/safetensors.hpp"

namespace minitorch {

namespace fs = std::filesystem;

namespace internal {

namespace {

constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimizerPrefix = "optim.";

// A rename is durable only once the folder holding the name is synced too.
void sync_folder(const fs::path& dir, const char* op) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  MT_CHECK(fd >= 0, op, ": cannot open folder '", dir.string(), "' to sync it: ", std::strerror(errno));
  const int synced = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  MT_CHECK(synced == 0, op, ": cannot sync folder '", dir.string(), "': ", std::strerror(err));
}

// The generation N of "<stem>.N.safetensors"; 0 when `name` is not such a file.
uint64_t generation_of(const std::string& name, const std::string& stem) {
  const std::string suffix = ".safetensors";
  if (name.size() <= stem.size() + 1 + suffix.size() || name.compare(0, stem.size(), stem) != 0 ||
      name[stem.size()] != '.' || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return 0;
  const char* begin = name.data() + stem.size() + 1;
  const char* end = name.data() + name.size() - suffix.size();
  if (*begin == '0') return 0;  // never written with leading zeros: "<stem>.007.safetensors" is a user's file
  uint64_t g = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, g);
  return ec == std::errc() && ptr == end ? g : 0;
}

std::vector<std::pair<uint64_t, fs::path>> tensors_files(const CheckpointPaths& paths) {
  std::vector<std::pair<uint64_t, fs::path>> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(paths.dir, ec)) {
    const uint64_t g = generation_of(e.path().filename().string(), paths.stem);
    if (g > 0) out.emplace_back(g, e.path());
  }
  return out;
}

// The file a temporary "<name>.tmp" (an atomic write's) stands for; "" when `name` is not one.
std::string without_tmp(const std::string& name) {
  const std::string tmp = ".tmp";
  return name.size() > tmp.size() && name.ends_with(tmp) ? name.substr(0, name.size() - tmp.size()) : "";
}

// The temporary tensors files ("<stem>.N.safetensors.tmp") that saves killed mid-write left.
std::vector<fs::path> leftover_temporaries(const CheckpointPaths& paths) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(paths.dir, ec))
    if (generation_of(without_tmp(e.path().filename().string()), paths.stem) > 0) out.push_back(e.path());
  return out;
}

}  // namespace

uint32_t crc32_of(const std::vector<uint8_t>& bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes at most 4 GiB per call.
  for (size_t done = 0; done < bytes.size();) {
    const uInt n = uInt(std::min<size_t>(bytes.size() - done, 1u << 30));
    crc = crc32(crc, bytes.data() + done, n);
    done += n;
  }
  return uint32_t(crc);
}

std::string CheckpointPaths::tensors_name(uint64_t generation) const {
  std::string name = stem;
  name += ".";
  name += std::to_string(generation);
  name += ".safetensors";
  return name;
}

CheckpointPaths checkpoint_paths(const std::string& path) {
  MT_CHECK(!path.empty(), "checkpoint: the path is empty");
  CheckpointPaths p;
  const fs::path given(path);
  if (given.extension() == ".json") {
    p.manifest = given;
    // A bare "run.json" lives in the current folder: "" would list no files (so a save would
    // reuse generation 1 and replace the live tensors file) and remove none.
    p.dir = given.has_parent_path() ? given.parent_path() : fs::path(".");
    p.stem = given.stem().string();
  } else {
    p.dir = given;
    p.stem = "checkpoint";
    p.manifest = given / "checkpoint.json";
  }
  return p;
}

CheckpointManifest write_checkpoint_tensors(const CheckpointPaths& paths, const TrainingState& state) {
  // The next generation is above every tensors file present, whichever save wrote it (a crashed
  // save may have left one the manifest does not name): an existing file is never overwritten.
  uint64_t generation = 1;
  for (const auto& [g, file] : tensors_files(paths)) generation = std::max(generation, g + 1);

  StateDict tensors;
  for (const auto& [name, t] : state.model) tensors.insert(kModelPrefix + name, t);
  for (const auto& [name, t] : state.optimizer) tensors.insert(kOptimizerPrefix + name, t);
  CheckpointManifest m;
  m.tensors = paths.tensors_name(generation);
  m.generation = generation;
  const fs::path file = paths.dir / m.tensors;
  save_safetensors(file.string(), tensors, {{"format", "minitorch-checkpoint"}});
  sync_folder(paths.dir, "save_checkpoint");

  // Size and CRC of what is on disk now, for load to check against.
  const std::vector<uint8_t> bytes = read_file_bytes(file.string(), "save_checkpoint");
  m.tensors_bytes = bytes.size();
  m.tensors_crc32 = crc32_of(bytes);
  m.epoch = state.epoch;
  m.generators = state.generators;
  m.metrics = state.metrics;
  m.info = state.info;
  return m;
}

void write_checkpoint_manifest(const CheckpointPaths& paths, const CheckpointManifest& manifest) {
  const std::string json = manifest_to_json(manifest);
  AtomicFile file(paths.manifest.string(), "save_checkpoint");
  file.write(json.data(), json.size());
  file.commit();
  sync_folder(paths.dir, "save_checkpoint");
  // Only now is the new pair complete; older tensors files (and any a crashed save left, whole or
  // as a temporary file) go.
  std::error_code ec;
  for (const auto& [g, old] : tensors_files(paths))
    if (g != manifest.generation) fs::remove(old, ec);
  for (const fs::path& tmp : leftover_temporaries(paths)) fs::remove(tmp, ec);
}

}  // namespace internal

void save_checkpoint(const std::string& path, const TrainingState& state) {
  const internal::CheckpointPaths paths = internal::checkpoint_paths(path);
  // The manifest is a string first, so a bad name or epoch fails before anything is written.
  MT_CHECK(state.epoch >= 0, "save_checkpoint: epoch ", state.epoch, " is negative");
  internal::CheckpointManifest probe;
  probe.generators = state.generators;
  probe.metrics = state.metrics;
  probe.info = state.info;
  (void)internal::manifest_to_json(probe);
  std::error_code ec;
  fs::create_directories(paths.dir, ec);
  MT_CHECK(!ec, "save_checkpoint: cannot create folder '", paths.dir.string(), "': ", ec.message());
  internal::write_checkpoint_manifest(paths, internal::write_checkpoint_tensors(paths, state));
}

bool has_checkpoint(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(internal::checkpoint_paths(path).manifest, ec);
}

bool is_checkpoint_file(const std::string& path, const std::string& file_name) {
  const internal::CheckpointPaths paths = internal::checkpoint_paths(path);
  const std::string temporary_of = internal::without_tmp(file_name);
  const std::string& name = temporary_of.empty() ? file_name : temporary_of;
  return name == paths.manifest.filename().string() || internal::generation_of(name, paths.stem) > 0;
}

TrainingState load_checkpoint(const std::string& path) {
  const internal::CheckpointPaths paths = internal::checkpoint_paths(path);
  const std::string manifest_path = paths.manifest.string();
  MT_CHECK(has_checkpoint(path), "load_checkpoint: no checkpoint at '", path, "' (expected the manifest '",
           manifest_path, "', written by save_checkpoint)");
  const std::vector<uint8_t> text = internal::read_file_bytes(manifest_path, "load_checkpoint");
  const internal::CheckpointManifest m = internal::manifest_from_json(
      std::string(text.begin(), text.end()), "load_checkpoint: " + manifest_path);

  const std::string tensors_path = (paths.dir / m.tensors).string();
  std::error_code ec;
  MT_CHECK(fs::is_regular_file(tensors_path, ec), "load_checkpoint: the manifest '", manifest_path, "' names '",
           tensors_path, "', which is missing");
  const std::vector<uint8_t> bytes = internal::read_file_bytes(tensors_path, "load_checkpoint");
  MT_CHECK(bytes.size() == m.tensors_bytes, "load_checkpoint: '", tensors_path, "' has ", bytes.size(),
           " bytes, the manifest expects ", m.tensors_bytes, " (the file was changed or truncated)");
  MT_CHECK(internal::crc32_of(bytes) == m.tensors_crc32, "load_checkpoint: '", tensors_path,
           "' does not match the CRC-32 in the manifest (the file was changed or corrupted)");

  TrainingState state;
  for (const auto& [name, t] : parse_safetensors(bytes.data(), bytes.size(), tensors_path)) {
    if (name.rfind(internal::kModelPrefix, 0) == 0)
      state.model.emplace_back(name.substr(std::strlen(internal::kModelPrefix)), t);
    else if (name.rfind(internal::kOptimizerPrefix, 0) == 0)
      state.optimizer.emplace_back(name.substr(std::strlen(internal::kOptimizerPrefix)), t);
    else detail::fail("load_checkpoint: '", tensors_path, "' holds tensor '", name,
                      "', which is neither model. nor optim.");
  }
  state.epoch = m.epoch;
  state.generators = m.generators;
  state.metrics = m.metrics;
  state.info = m.info;
  return state;
}

}  // namespace minitorch
