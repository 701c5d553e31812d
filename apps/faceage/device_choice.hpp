#pragma once
// The --device option of the commands that run the model (train, evaluate, embed, predict).
#include <string>

#include "minitorch/device.hpp"

namespace faceage {

// "cpu", "cuda" (an error without a usable GPU) or "auto": the GPU when one is usable, as the
// tutorial picks CUDA over the CPU, else the CPU. Any other name is an error.
minitorch::Device pick_device(const std::string& name);

}  // namespace faceage
