#pragma once
// Training checkpoints: what a run needs to resume where it stopped.
//
//   TrainingState s;
//   s.model = model.state_dict();
//   s.optimizer = opt.state_dict();
//   s.epoch = epoch + 1;                                          // epochs completed
//   s.generators["default"] = GeneratorState::of(default_generator());
//   s.metrics["val_acc"] = val_accuracies;
//   save_checkpoint("runs/convnext", s);                          // a folder, or "x/name.json"
//
//   TrainingState r = load_checkpoint("runs/convnext");
//   model.load_state_dict(r.model); opt.load_state_dict(r.optimizer);
//   r.generators.at("default").apply_to(default_generator());
//   scheduler.set_last_epoch(r.epoch);                            // stepped once per epoch
//   for (double acc : r.metrics["val_acc"]) stopper.step(acc);    // EarlyStopping replays
//   // ... and training continues with loader.epoch(r.epoch).
//
// On disk: the tensors in one safetensors file (names prefixed "model." and "optim.") and the
// rest in a small JSON manifest that names that file, its size and CRC-32:
//   runs/convnext/checkpoint.json, runs/convnext/checkpoint.<generation>.safetensors
// Each save writes a new tensors file (the next generation) and then the manifest, each to a
// temporary file that is fsynced and renamed over the final name, with the folder fsynced after
// each rename; only then are older tensors files removed. A run killed at any moment therefore
// leaves the previous manifest naming the previous, complete tensors file, or the new manifest
// naming the new one: a half-written pair is never taken as a checkpoint. Loading checks the
// manifest, then the size and CRC-32 of the tensors file it names, and reports anything amiss
// as an Error naming the file.
//
// The loader's shuffling and augmentation are functions of (seed, epoch) (data/loader.hpp), so
// resuming needs the epoch, not a generator state; the default generator's (seed, offset) keeps
// dropout and stochastic depth on the same stream. In the JSON, 64-bit unsigned numbers and
// metrics are strings (metrics in the shortest form that reads back bit for bit, and "nan" and
// "inf" allowed, which JSON numbers cannot hold).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "minitorch/nn/module.hpp"
#include "minitorch/random.hpp"

namespace minitorch {

struct GeneratorState {
  uint64_t seed = 0, offset = 0;
  static GeneratorState of(const Generator& g) { return {g.seed(), g.offset()}; }
  void apply_to(Generator& g) const {
    g.manual_seed(seed);
    g.set_offset(offset);
  }
  bool operator==(const GeneratorState&) const = default;
};

struct TrainingState {
  nn::NamedTensors model;                              // Module::state_dict()
  nn::NamedTensors optimizer;                          // Optimizer::state_dict()
  int64_t epoch = 0;                                   // epochs completed
  std::map<std::string, GeneratorState> generators;    // e.g. "default"
  std::map<std::string, std::vector<double>> metrics;  // per-epoch history, e.g. "train_loss"
  std::map<std::string, std::string> info;             // free text: model name, class names, ...
};

// `path` is a folder (created when missing; the manifest is path/checkpoint.json) or the path of
// the manifest itself, ending in ".json" (tensors files named after it, beside it).
void save_checkpoint(const std::string& path, const TrainingState& state);
TrainingState load_checkpoint(const std::string& path);
// Whether `path` holds a checkpoint manifest (its contents are checked only by loading it).
bool has_checkpoint(const std::string& path);
// Whether `file_name`, beside the checkpoint `path`'s manifest, is a file save_checkpoint writes:
// the manifest, a tensors file "<stem>.N.safetensors", or the temporary ".tmp" of either.
bool is_checkpoint_file(const std::string& path, const std::string& file_name);

}  // namespace minitorch
