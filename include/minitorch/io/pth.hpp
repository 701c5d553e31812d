#pragma once
// PyTorch checkpoints written by torch.save (PyTorch >= 1.6, the zip format), read without Python.
//
// The archive holds one folder with data.pkl (the pickled object), data/<key> (the raw bytes of
// each storage), byteorder and version. data.pkl is run by a restricted unpickler that never
// calls anything. It understands what a state dict needs: OrderedDict,
// torch._utils._rebuild_tensor_v2 (and _rebuild_parameter) and the torch.*Storage classes. Other
// torch tensor machinery (sparse, quantized, subclassed tensors) is refused with an Error naming
// it; any other global (argparse.Namespace in a training checkpoint's "args", numpy scalars)
// becomes an inert placeholder that is skipped like a number. So a hostile checkpoint cannot run
// code, and sizes, offsets and strides are checked against the storages, so a corrupt one cannot
// read out of bounds. A whole pickled model (torch.save(model)) is an Error saying to save its
// state dict.
//
// The result holds the tensors of the pickled dict, nested dicts flattened with '.':
// {'model': {'fc.weight': t}, 'epoch': 3} gives "model.fc.weight" (the official ConvNeXt
// checkpoints), a plain OrderedDict gives its own keys (torchvision's), a tuple or list of tensors
// gives "0", "1", ... (torch.save((features, labels))). Non-tensor values (ints,
// floats, strings, None, lists, other Python objects) are skipped. Tensors are contiguous CPU copies; requires_grad is
// not restored. int32, int16 and int8 tensors are widened to int64, minitorch's integer type.
#include <cstdint>
#include <string>

#include "minitorch/io/state_dict.hpp"

namespace minitorch {

StateDict load_pth(const std::string& path);
// Same, from memory; `name_for_errors` stands for the file in messages.
StateDict parse_pth(const uint8_t* data, size_t size, const std::string& name_for_errors);

}  // namespace minitorch
