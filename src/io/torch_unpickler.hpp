#pragma once
// The torch side of reading data.pkl from a torch.save archive: which globals it may name, how
// persistent ids map to storages, how _rebuild_tensor_v2 turns a storage into a tensor, and how
// the unpickled dicts are flattened into a StateDict.
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "minitorch/io/state_dict.hpp"

namespace minitorch::internal {

// The bytes of the archive entry data/<key>; they must stay valid until unpickling returns.
using StorageSource = std::function<std::span<const uint8_t>(const std::string& key)>;

// Unpickles data.pkl and returns its tensors, nested dicts flattened with '.' ("model.fc.weight")
// and non-tensor leaves skipped. `max_tensor_bytes` bounds the memory the tensors may take, since
// sizes and strides can make a tiny storage describe a huge tensor. Errors start with `where`.
StateDict unpickle_state_dict(std::span<const uint8_t> pickle, const StorageSource& storages,
                              uint64_t max_tensor_bytes, const std::string& where);

}  // namespace minitorch::internal
