// The torch.save archive layout around data.pkl: find the folder, check the byte order, serve
// storages from data/<key>.
#include "minitorch/io/pth.hpp"

#include <unordered_map>

#include "file_io.hpp"
#include "torch_unpickler.hpp"
#include "zip_reader.hpp"

namespace minitorch {
namespace {

// Tensors may take at most this many times the archive's bytes (tied weights and views of
// one storage legitimately take more than once; int8 widened to int64 takes 8 times).
constexpr uint64_t kTensorBytesPerFileByte = 16;
constexpr uint64_t kTensorBytesSlack = 1u << 20;

// The archive's folder: "<name>/" of its "<name>/data.pkl" entry.
std::string archive_folder(const internal::ZipReader& zip, const std::string& where) {
  std::string folder;
  for (const auto& e : zip.entries()) {
    const size_t slash = e.name.find('/');
    if (slash == std::string::npos || e.name.compare(slash, std::string::npos, "/data.pkl") != 0) continue;
    MT_CHECK(folder.empty(), where, ": the archive has two data.pkl entries ('", folder, "data.pkl' and '", e.name, "')");
    folder = e.name.substr(0, slash + 1);
  }
  MT_CHECK(!folder.empty(), where, ": the zip archive has no <folder>/data.pkl entry; expected a file written by torch.save");
  return folder;
}

}  // namespace

StateDict parse_pth(const uint8_t* data, size_t size, const std::string& name_for_errors) {
  const std::string where = "pth: " + name_for_errors;
  // torch.save before PyTorch 1.6 (or with _use_new_zipfile_serialization=False) wrote a bare
  // pickle, whose first byte is PROTO.
  MT_CHECK(size == 0 || data[0] != 0x80, where, ": this is a legacy (non-zip) torch.save file; re-save it with "
           "PyTorch >= 1.6 (torch.save(torch.load(path), path)) to load it");
  const internal::ZipReader zip(data, size, where);
  const std::string folder = archive_folder(zip, where);

  if (const internal::ZipEntry* order = zip.find(folder + "byteorder")) {  // absent before PyTorch 2.0: little
    std::vector<uint8_t> buffer;
    const auto bytes = zip.read(*order, buffer);
    MT_CHECK(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()) == "little", where,
             ": the tensors are stored big-endian; only little-endian checkpoints are supported");
  }

  // Storages are read on first use; a deflated one is inflated once and kept here.
  std::unordered_map<std::string, std::vector<uint8_t>> inflated;
  const internal::StorageSource storages = [&](const std::string& key) {
    const internal::ZipEntry* e = zip.find(folder + "data/" + key);
    MT_CHECK(e, "the archive has no entry '", folder, "data/", key, "' for storage '", key, "'");
    return zip.read(*e, inflated[key]);
  };

  const internal::ZipEntry* pkl = zip.find(folder + "data.pkl");
  std::vector<uint8_t> pkl_buffer;
  const auto pkl_bytes = zip.read(*pkl, pkl_buffer);
  // Deflated entries make the archive smaller than its contents: count their inflated sizes.
  uint64_t total_size = size;
  for (const auto& e : zip.entries()) total_size += e.size - std::min(e.size, e.compressed_size);
  const uint64_t budget = total_size * kTensorBytesPerFileByte + kTensorBytesSlack;
  return internal::unpickle_state_dict(pkl_bytes, storages, budget, where);
}

StateDict load_pth(const std::string& path) {
  const std::vector<uint8_t> bytes = internal::read_file_bytes(path, "load_pth");
  return parse_pth(bytes.data(), bytes.size(), path);
}

}  // namespace minitorch
