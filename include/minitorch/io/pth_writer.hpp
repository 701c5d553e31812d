#pragma once
// Writing files that torch.load reads (the zip format of torch.save, pickle protocol 2): a state
// dict (an OrderedDict of tensors) or a tuple of tensors, e.g. (features, labels). Written
// atomically (temporary file, then rename).
#include <string>
#include <vector>

#include "minitorch/io/state_dict.hpp"
#include "minitorch/tensor.hpp"

namespace minitorch {

void save_pth(const std::string& path, const StateDict& tensors);
void save_pth_tuple(const std::string& path, const std::vector<Tensor>& tensors);

}  // namespace minitorch
