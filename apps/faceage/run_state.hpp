#pragma once
// The epoch checkpoint of `faceage train` (for --resume), through minitorch's training
// checkpoints: model, optimizer, epochs done, the default generator, and the history so far.
#include <string>

#include "minitorch/optim/optimizer.hpp"
#include "models/convnext.hpp"
#include "train.hpp"

namespace faceage {

void save_run_state(const std::string& dir, const minitorch::models::ConvNeXt& model,
                    const minitorch::optim::Optimizer& optimizer, const TrainResult& so_far, int64_t epochs_done,
                    const TrainOptions& options);
// Restores model, optimizer, generator, history and the weights the run started from; returns
// the number of epochs done. The run's classes, --arch, --image-size, --optimizer, --lr,
// --batch-size and --seed must be the checkpoint's, and --epochs above its epochs.
int64_t load_run_state(const std::string& dir, minitorch::models::ConvNeXt& model,
                       minitorch::optim::Optimizer& optimizer, TrainResult& so_far, const TrainOptions& options);

}  // namespace faceage
