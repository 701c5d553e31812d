#pragma once
// StateDict: named tensors in insertion order, the unit that checkpoints are loaded into and
// saved from ("features.0.0.weight" -> Tensor). Lookups are by hash; iteration keeps the order
// in which the names were inserted, as PyTorch's OrderedDict does.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "minitorch/tensor.hpp"

namespace minitorch {

class StateDict {
 public:
  using Item = std::pair<std::string, Tensor>;
  using const_iterator = std::vector<Item>::const_iterator;

  // Appends a tensor; Error if the name is already present (a checkpoint never repeats a name,
  // so a repeat means two sources were merged by mistake).
  void insert(std::string name, Tensor tensor);
  // Removes a name; returns whether it was there.
  bool erase(const std::string& name);

  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  const Tensor* find(const std::string& name) const;  // null when absent
  Tensor* find(const std::string& name);
  // Error naming the missing key and up to 10 of the keys that do exist.
  const Tensor& at(const std::string& name) const;

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<std::string> keys() const;  // in order

  // Iterates over (name, tensor) pairs in insertion order. The tensors are handles: their data can
  // be written through them, but names can only change through erase and insert.
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;  // name -> position in items_
};

}  // namespace minitorch
