#pragma once
// The --device option of the programs that run a model (faceage train, evaluate, embed, predict;
// convnext predict).
#include <string>

#include "minitorch/device.hpp"

namespace minitorch::models {

// "cpu", "cuda" (an error without a usable GPU) or "auto": the GPU when one is usable, as the
// tutorial picks CUDA over the CPU, else the CPU. Any other name is an error.
Device pick_device(const std::string& name);

}  // namespace minitorch::models
