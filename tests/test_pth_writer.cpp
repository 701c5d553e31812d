// Files written by save_pth / save_pth_tuple: read back by our reader, and by torch.load when
// Debian's python3-torch is installed (skipped visibly otherwise).
#include <cstdlib>
#include <fstream>

#include "helpers.hpp"

using namespace mt;

namespace {
bool have_torch() { return std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0; }
}  // namespace

TEST_CASE("a state dict written as .pth reads back with every dtype and shape") {
  StateDict d;
  d.insert("conv.weight", randn({4, 3, 2, 2}));
  d.insert("bn.num_batches_tracked", full({}, 7, {.dtype = kInt64}));
  d.insert("half", tensor({1.5, -2}).to(kFloat16));
  d.insert("empty", zeros({2, 0}));
  d.insert("view", arange(0, 12).reshape({3, 4}).t());  // written contiguous
  const std::string path = "/tmp/minitorch_test_sd.pth";
  save_pth(path, d);
  const StateDict back = load_pth(path);
  REQUIRE(back.size() == d.size());
  for (const auto& [name, t] : d) {
    CAPTURE(name);
    CHECK(back.at(name).dtype() == t.dtype());
    check_close(back.at(name), t, 0, 0);
  }
  std::remove(path.c_str());
  CHECK_THROWS_WITH_FRAGMENT(save_pth("/nonexistent-dir/x.pth", d), "nonexistent-dir");
}

TEST_CASE("torch.load reads a (features, labels) tuple") {
  const std::string path = "/tmp/minitorch_test_features.pth";
  save_pth_tuple(path, {tensor({1.5, 2, 3, 4, 5, 6}, {3, 2}), from_vector<int64_t>({0, 5, 2}, {3})});
  const StateDict ours = load_pth(path);  // our reader names a tuple's elements "0", "1"
  CHECK(ours.at("0").shape() == Shape{3, 2});
  CHECK(ours.at("1").to_vector<int64_t>() == std::vector<int64_t>{0, 5, 2});
  if (!have_torch()) {
    MESSAGE("SKIPPED: /usr/bin/python3 has no torch (apt-get install python3-torch)");
    return;
  }
  const std::string check =
      "/usr/bin/python3 -c \"import torch; f, l = torch.load('" + path +
      "'); assert f.dtype == torch.float32 and f.shape == (3, 2) and f[2, 1] == 6; "
      "assert l.dtype == torch.int64 and l.tolist() == [0, 5, 2]\"";
  CHECK(std::system(check.c_str()) == 0);
  std::remove(path.c_str());
}
