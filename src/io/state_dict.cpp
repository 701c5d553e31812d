#include "minitorch/io/state_dict.hpp"

namespace minitorch {

void StateDict::insert(std::string name, Tensor tensor) {
  MT_CHECK(tensor.defined(), "StateDict::insert: tensor '", name, "' is undefined");
  MT_CHECK(!contains(name), "StateDict::insert: duplicate name '", name, "'");
  index_.emplace(name, items_.size());
  items_.emplace_back(std::move(name), std::move(tensor));
}

bool StateDict::erase(const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) return false;
  const size_t pos = it->second;
  index_.erase(it);
  items_.erase(items_.begin() + std::ptrdiff_t(pos));
  for (size_t i = pos; i < items_.size(); ++i) index_[items_[i].first] = i;  // shift the later ones
  return true;
}

const Tensor* StateDict::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &items_[it->second].second;
}

Tensor* StateDict::find(const std::string& name) {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &items_[it->second].second;
}

const Tensor& StateDict::at(const std::string& name) const {
  if (const Tensor* t = find(name)) return *t;
  constexpr size_t kShown = 10;
  std::string known;
  for (size_t i = 0; i < items_.size() && i < kShown; ++i) known += (i ? ", '" : "'") + items_[i].first + "'";
  if (items_.size() > kShown) known += ", ... (" + std::to_string(items_.size() - kShown) + " more)";
  detail::fail("StateDict::at: no tensor named '", name, "'; ",
               items_.empty() ? std::string("the state dict is empty") : "it has " + known);
}

std::vector<std::string> StateDict::keys() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& item : items_) out.push_back(item.first);
  return out;
}

}  // namespace minitorch
