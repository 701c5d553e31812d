// ConvNeXt: torchvision's parameter names and shapes, and numbers equal to torchvision's.
#include <fstream>

#include "fixtures.hpp"
#include "models/convnext.hpp"

using namespace mt;
using mt::models::ConvNeXt;
using mt::models::ConvNeXtConfig;

TEST_CASE("convnext_tiny has torchvision's state_dict keys and shapes, in order") {
  ConvNeXt model(ConvNeXtConfig::tiny());
  std::ifstream in(std::string(MINITORCH_FIXTURES) + "/convnext_tiny_names.txt");
  REQUIRE(in.good());
  const auto state = model.state_dict();
  size_t i = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    ls >> name;
    Shape shape;
    int64_t s;
    while (ls >> s) shape.push_back(s);
    REQUIRE(i < state.size());
    CHECK(state[i].first == name);
    CHECK(state[i].second.shape() == shape);
    ++i;
  }
  CHECK(i == state.size());
  CHECK(model.num_parameters() == 28589128);  // torchvision's count for convnext_tiny
  CHECK(model.forward_macs(224) == doctest::Approx(4.47e9).epsilon(0.01));
}

TEST_CASE("init follows torchvision: trunc_normal(0.02) weights, zero biases, layer scale 1e-6") {
  manual_seed(3);
  ConvNeXt model(ConvNeXtConfig::tiny());
  for (auto& [name, t] : model.named_parameters()) {
    CAPTURE(name);
    if (name.find("layer_scale") != std::string::npos) {
      CHECK(amax(t).item() == doctest::Approx(1e-6));
    } else if (name == "features.5.3.block.3.weight") {
      CHECK(mt::std(t, {}).item() == doctest::Approx(0.02).epsilon(0.02));
    } else if (name.find("bias") != std::string::npos) {
      CHECK(amax(abs(t)).item() == 0);
    }
  }
}

TEST_CASE("a small ConvNeXt gives torchvision's logits and gradients") {
  // The fixture's lines are "tag name tensor".
  std::ifstream in(std::string(MINITORCH_FIXTURES) + "/convnext_small_config.txt");
  REQUIRE(in.good());
  std::vector<std::tuple<std::string, std::string, Tensor>> entries;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string tag, name;
    ls >> tag >> name;
    entries.emplace_back(tag, name, parse_tensor(ls));
  }
  ConvNeXtConfig config{{1, 1, 2, 1}, {8, 12, 16, 24}, 5, 0.0};
  ConvNeXt model(config);
  nn::NamedTensors params;
  Tensor x, expected_logits, w, expected_gx;
  std::map<std::string, Tensor> expected_grads;
  for (auto& [tag, name, t] : entries) {
    if (tag == "param") params.emplace_back(name, t);
    if (tag == "input") x = t.detach().requires_grad_();
    if (tag == "output") expected_logits = t;
    if (tag == "weight") w = t;
    if (tag == "grad" && name == "x") expected_gx = t;
    else if (tag == "grad") expected_grads[name] = t;
  }
  model.to(kFloat64);
  model.load_state_dict(params);
  model.eval();
  Tensor logits = model.forward(x);
  check_close(logits, expected_logits, 1e-10, 1e-12);
  sum(logits * w).backward();
  check_close(x.grad(), expected_gx, 1e-9, 1e-12);
  for (auto& [name, t] : model.named_parameters()) {
    CAPTURE(name);
    REQUIRE(t.grad().defined());
    check_close(t.grad(), expected_grads.at(name), 1e-9, 1e-12);
  }
}

TEST_CASE("replace_head, train/eval and bad input") {
  ConvNeXt model({{1, 1, 1, 1}, {8, 8, 8, 8}, 10});
  model.replace_head(6);
  CHECK(model.forward(randn({2, 3, 32, 32})).shape() == Shape{2, 6});
  CHECK(model.features(randn({1, 3, 32, 32})).shape() == Shape{1, 8});
  CHECK(model.state_dict().back().first == "classifier.2.bias");
  CHECK(model.state_dict().back().second.shape() == Shape{6});
  CHECK_THROWS_WITH_FRAGMENT(model.forward(randn({2, 1, 32, 32})), "expects images [N, 3, H, W]");
  CHECK_THROWS_WITH_FRAGMENT(ConvNeXtConfig::by_name("resnet50"), "unknown architecture");
  nn::NamedTensors bad = model.state_dict();
  bad[0].second = zeros({1});
  bad.emplace_back("extra.weight", zeros({1}));
  bad.erase(bad.begin() + 1);
  CHECK_THROWS_WITH_FRAGMENT(model.load_state_dict(bad), "shape mismatch: features.0.0.weight");
  CHECK_THROWS_WITH_FRAGMENT(model.load_state_dict(bad), "missing keys: features.0.0.bias");
  CHECK_THROWS_WITH_FRAGMENT(model.load_state_dict(bad), "unexpected keys: extra.weight");
}
