#pragma once
// The parts of save_checkpoint, exposed so that tests can stop between them as a crash would.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "minitorch/io/checkpoint.hpp"

namespace minitorch::internal {

struct CheckpointPaths {
  std::filesystem::path dir;       // where the files live
  std::filesystem::path manifest;  // dir/<stem>.json
  std::string stem;                // "checkpoint" for a folder, else the manifest's name without .json
  std::string tensors_name(uint64_t generation) const;  // "<stem>.<generation>.safetensors"
};
CheckpointPaths checkpoint_paths(const std::string& path);

// The manifest: what the JSON holds.
struct CheckpointManifest {
  std::string tensors;  // file name, in the same folder
  uint64_t generation = 0;
  uint64_t tensors_bytes = 0;
  uint32_t tensors_crc32 = 0;
  int64_t epoch = 0;
  std::map<std::string, GeneratorState> generators;
  std::map<std::string, std::vector<double>> metrics;
  std::map<std::string, std::string> info;
};
std::string manifest_to_json(const CheckpointManifest& m);
CheckpointManifest manifest_from_json(const std::string& text, const std::string& where);

// zlib's CRC-32 of a whole buffer.
uint32_t crc32_of(const std::vector<uint8_t>& bytes);

// Step 1 of a save: the next generation's tensors file, fsynced, renamed and the folder synced.
// Returns the manifest of the new checkpoint (not yet written).
CheckpointManifest write_checkpoint_tensors(const CheckpointPaths& paths, const TrainingState& state);
// Step 2: the manifest, atomically; then the older tensors files are removed.
void write_checkpoint_manifest(const CheckpointPaths& paths, const CheckpointManifest& manifest);

}  // namespace minitorch::internal
