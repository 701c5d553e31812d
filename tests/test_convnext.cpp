// ConvNeXt: torchvision's parameter names and shapes, and numbers equal to torchvision's.
#include <fstream>

#include "fixtures.hpp"
#include <regex>

#include "models/convnext.hpp"
#include "models/convnext_weights.hpp"

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

namespace {

// A fixture of tools/make_convnext_fixtures.py: lines "tag name tensor".
struct SmallConvNeXtFixture {
  nn::NamedTensors params;
  Tensor x, logits, w, grad_x;
  std::map<std::string, Tensor> grads;  // by parameter name
};

SmallConvNeXtFixture load_small_convnext_fixture(const std::string& file) {
  std::ifstream in(std::string(MINITORCH_FIXTURES) + "/" + file);
  REQUIRE_MESSAGE(in.good(), "cannot open fixture " << file);
  SmallConvNeXtFixture f;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string tag, name;
    ls >> tag >> name;
    const Tensor t = parse_tensor(ls);
    if (tag == "param") f.params.emplace_back(name, t);
    if (tag == "input") f.x = t;
    if (tag == "output") f.logits = t;
    if (tag == "weight") f.w = t;
    if (tag == "grad" && name == "x") f.grad_x = t;
    else if (tag == "grad") f.grads[name] = t;
  }
  return f;
}

const ConvNeXtConfig kSmallConfig{{1, 1, 2, 1}, {8, 12, 16, 24}, 5, 0.0};

}  // namespace

TEST_CASE("a small ConvNeXt gives torchvision's logits and gradients") {
  const SmallConvNeXtFixture f = load_small_convnext_fixture("convnext_small_config.txt");
  ConvNeXt model(kSmallConfig);
  model.to(kFloat64);
  model.load_state_dict(f.params);
  model.eval();
  const Tensor x = f.x.detach().requires_grad_();
  Tensor logits = model.forward(x);
  check_close(logits, f.logits, 1e-10, 1e-12);
  sum(logits * f.w).backward();
  check_close(x.grad(), f.grad_x, 1e-9, 1e-12);
  for (auto& [name, t] : model.named_parameters()) {
    CAPTURE(name);
    REQUIRE(t.grad().defined());
    check_close(t.grad(), f.grads.at(name), 1e-9, 1e-12);
  }
}

TEST_CASE("bf16 autocast: a small ConvNeXt gives PyTorch's numbers with bf16 operands, close to float64") {
  const SmallConvNeXtFixture exact = load_small_convnext_fixture("convnext_small_config.txt");
  const SmallConvNeXtFixture bf16 = load_small_convnext_fixture("convnext_small_autocast.txt");
  ConvNeXt model(kSmallConfig);
  model.load_state_dict(exact.params);  // float32 master weights
  model.eval();
  const Tensor x = exact.x.to(kFloat32).detach().requires_grad_();
  Tensor logits;
  {
    AutocastGuard autocast;
    logits = model.forward(x);
  }
  sum(logits * exact.w.to(kFloat32)).backward();
  // Each value against PyTorch's with the same roundings (a rounding that flips between the two
  // float32 computations moves an operand by up to 2^-7 of itself, hence the loose absolute
  // part), and the whole tensor against float64.
  // bf16 keeps 8 significant bits (relative rounding error up to 2^-8); through this model's ten
  // layers of products the worst element of a gradient moves by up to about 3% of the largest.
  auto check = [](const Tensor& actual, const Tensor& torch_bf16, const Tensor& float64) {
    REQUIRE(actual.dtype() == kFloat32);
    const double scale = max(abs(float64)).item();
    check_close(actual, torch_bf16, 1e-3, 2e-3 * scale);
    const double error = max(abs(actual.to(kFloat64) - float64)).item() / scale;
    CHECK(error < 5e-2);
    return error;
  };
  CHECK(check(logits.detach(), bf16.logits, exact.logits) > 1e-4);  // bf16 was used: float32 is 1e-6 away
  CHECK(check(x.grad(), bf16.grad_x, exact.grad_x) > 1e-4);
  for (auto& [name, t] : model.named_parameters()) {
    CAPTURE(name);
    REQUIRE(t.dtype() == kFloat32);
    REQUIRE(t.grad().defined());
    check(t.grad(), bf16.grads.at(name), exact.grads.at(name));
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
  CHECK_THROWS_WITH_FRAGMENT(ConvNeXt({{1, -1, 1, 1}, {8, 8, 8, 8}, 10}), "stage 1 needs depth >= 0 and width > 0");
  CHECK_THROWS_WITH_FRAGMENT(ConvNeXt({{1, 1, 1, 1}, {8, 8, 8, 8}, 10, 1.5}), "stochastic_depth_prob must be in [0, 1]");
  // A new head takes the model's device and dtype.
  model.to(kFloat64);
  model.replace_head(3);
  CHECK(model.forward(randn({1, 3, 32, 32}, {.dtype = kFloat64})).shape() == Shape{1, 3});
  // init_convnext does what it says, also on a model whose values were changed.
  {
    NoGradGuard no_grad;
    for (Tensor& t : model.parameters()) t.fill_(5);
  }
  models::init_convnext(model);
  for (const auto& [name, t] : model.named_parameters()) {
    CAPTURE(name);
    if (name.find("layer_scale") != std::string::npos) CHECK(max(abs(t - 1e-6)).item() < 1e-18);
    else if (name.size() > 5 && name.substr(name.size() - 5) == ".bias") CHECK(max(abs(t)).item() == 0);
    else if (t.dim() == 1) CHECK(max(abs(t - 1.0)).item() == 0);  // LayerNorm weights
    else CHECK(max(abs(t)).item() < 0.2);  // trunc_normal(std 0.02): never 10 std out
  }
}

TEST_CASE("a layer used twice lists its parameters once, as PyTorch does; names are unique") {
  auto shared = std::make_shared<nn::Linear>(2, 2, false);
  nn::Sequential twice{shared, shared};
  CHECK(twice.parameters().size() == 1);
  CHECK(twice.named_parameters()[0].first == "0.weight");
  CHECK(twice.state_dict().size() == 2);  // both names, as torch's state_dict
  optim::SGD opt(twice.parameters(), {.lr = 0.1});  // no "appears more than once"
  struct Twice : nn::Module {
    Twice() {
      register_parameter("w", ones({1}));
      register_buffer("w", ones({1}));
    }
    Tensor forward(const Tensor& x) override { return x; }
  };
  CHECK_THROWS_WITH_FRAGMENT(Twice(), "a parameter, buffer or child named 'w' exists already (registering a buffer)");
  struct Counter : nn::Module {
    Counter() { register_buffer("count", zeros({1})); }
    Tensor forward(const Tensor& x) override { return x; }
  };
  auto counter = std::make_shared<Counter>();
  nn::Sequential counted_twice{counter, counter};
  CHECK(counted_twice.named_buffers().size() == 1);
  CHECK(counted_twice.named_buffers()[0].first == "0.count");
  CHECK(counted_twice.state_dict().size() == 2);
  CHECK_THROWS_WITH_FRAGMENT(nn::Dropout(1.5), "Dropout: p must be in [0, 1], got 1.5");
  CHECK_THROWS_WITH_FRAGMENT(nn::AdaptiveAvgPool2d()(zeros({1, 0, 0, 4})), "has no pixels to average");
  nn::Linear layer(2, 2);
  CHECK_THROWS_WITH_FRAGMENT(layer.to(kBFloat16), "expects float32 or float64, got bfloat16");
  nn::NamedTensors undefined = layer.state_dict();
  undefined[0].second = Tensor();
  CHECK_THROWS_WITH_FRAGMENT(layer.load_state_dict(undefined), "weight: checkpoint holds an undefined tensor");
  CHECK_THROWS_WITH_FRAGMENT(ConvNeXt({{1, 1, 1, 1}, {8, 8, 8, 8}, 10}).forward_macs(0), "positive image size");
}

namespace {
// Renames torchvision keys to the official and timm layouts (the inverse of the loader's map).
nn::NamedTensors rename_to(const nn::NamedTensors& tv, const std::string& layout) {
  nn::NamedTensors out;
  for (const auto& [name, t] : tv) {
    std::smatch m;
    std::string n = name;
    Tensor v = t;
    static const std::regex block(R"(features\.(\d+)\.(\d+)\.block\.(\d)\.(weight|bias))");
    static const std::regex scale(R"(features\.(\d+)\.(\d+)\.layer_scale)");
    static const std::regex other(R"(features\.(\d+)\.([01])\.(weight|bias))");
    const std::map<std::string, std::string> official = {{"0", "dwconv"}, {"2", "norm"}, {"3", "pwconv1"}, {"5", "pwconv2"}};
    const std::map<std::string, std::string> timm = {{"0", "conv_dw"}, {"2", "norm"}, {"3", "mlp.fc1"}, {"5", "mlp.fc2"}};
    if (std::regex_match(name, m, block)) {
      const int stage = (std::stoi(m[1]) - 1) / 2;
      n = layout == "official" ? "stages." + std::to_string(stage) + "." + m[2].str() + "." + official.at(m[3]) + "." + m[4].str()
                               : "stages." + std::to_string(stage) + ".blocks." + m[2].str() + "." + timm.at(m[3]) + "." + m[4].str();
    } else if (std::regex_match(name, m, scale)) {
      const int stage = (std::stoi(m[1]) - 1) / 2;
      n = layout == "official" ? "stages." + std::to_string(stage) + "." + m[2].str() + ".gamma"
                               : "stages." + std::to_string(stage) + ".blocks." + m[2].str() + ".gamma";
      v = t.reshape({-1});
    } else if (std::regex_match(name, m, other)) {
      const int f = std::stoi(m[1]);
      n = layout == "official" ? "downsample_layers." + std::to_string(f / 2) + "." + m[2].str() + "." + m[3].str()
          : f == 0 ? "stem." + m[2].str() + "." + m[3].str()
                   : "stages." + std::to_string(f / 2) + ".downsample." + m[2].str() + "." + m[3].str();
    } else if (name.rfind("classifier.0.", 0) == 0) {
      n = (layout == "official" ? "norm." : "head.norm.") + name.substr(13);
    } else if (name.rfind("classifier.2.", 0) == 0) {
      n = (layout == "official" ? "head." : "head.fc.") + name.substr(13);
    }
    out.emplace_back(layout == "official" ? "model." + n : n, v);
  }
  return out;
}
}  // namespace

TEST_CASE("checkpoints in the torchvision, official and timm layouts load to the same model") {
  const ConvNeXtConfig config{{1, 1, 2, 1}, {8, 12, 16, 24}, 10, 0.1, 0.5};
  manual_seed(1);
  ConvNeXt source(config);
  const auto tv = source.state_dict();
  for (const std::string layout : {"torchvision", "official", "timm"}) {
    CAPTURE(layout);
    manual_seed(2);
    ConvNeXt target(config);
    const auto report = models::load_convnext_weights(target, layout == "torchvision" ? tv : rename_to(tv, layout));
    CHECK_FALSE(report.head_skipped);
    const auto loaded = target.state_dict();
    for (size_t i = 0; i < tv.size(); ++i) {
      CAPTURE(tv[i].first);
      CHECK(allclose(loaded[i].second, tv[i].second, 0, 0));
    }
  }
  {  // Keys wrapped by training code, in any order: a "model" entry, DataParallel, torch.compile.
    nn::NamedTensors wrapped;
    for (const auto& [name, t] : rename_to(tv, "official")) wrapped.emplace_back("module.model._orig_mod." + name, t);
    ConvNeXt target(config);
    models::load_convnext_weights(target, wrapped);
    CHECK(allclose(target.state_dict()[0].second, tv[0].second, 0, 0));
  }
  // A 10-class checkpoint into a 6-class model: the head is skipped, everything else loads.
  ConvNeXt six(config);
  six.replace_head(6);
  // The head's weight (its bias starts at zero, so it would not show a reset head).
  const auto head_weight = [&] {
    for (const auto& [name, t] : six.state_dict())
      if (name == "classifier.2.weight") return t.detach().clone();
    return Tensor();
  };
  const Tensor head_before = head_weight();
  REQUIRE(head_before.defined());
  const auto report = models::load_convnext_weights(six, rename_to(tv, "timm"));
  CHECK(report.head_skipped);
  CHECK(report.message.find("10 classes skipped") != std::string::npos);
  CHECK(allclose(head_weight(), head_before, 0, 0));
  CHECK(allclose(six.state_dict()[0].second, tv[0].second, 0, 0));
  // A headless checkpoint (timm's num_classes=0): the model keeps its head, everything else loads.
  nn::NamedTensors headless;
  for (const auto& [name, t] : rename_to(tv, "timm"))
    if (name.rfind("head.fc.", 0) != 0) headless.emplace_back(name, t);
  const auto headless_report = models::load_convnext_weights(six, headless);
  CHECK(headless_report.head_missing);
  CHECK_FALSE(headless_report.head_skipped);
  CHECK(headless_report.message.find("has no classifier head: the model keeps its new 6-class head") != std::string::npos);
  CHECK(allclose(head_weight(), head_before, 0, 0));
  CHECK(models::head_classes(headless) == -1);
  {  // A training checkpoint: the weights entry is taken, the optimizer's state and the EMA copy left out.
    nn::NamedTensors training;
    for (const auto& [name, t] : rename_to(tv, "official")) {  // official names come as "model.<name>"
      training.emplace_back(name, t);
      training.emplace_back("model_ema." + name.substr(6), t + 1);
    }
    training.emplace_back("optimizer.state.0.exp_avg", zeros({3}));
    ConvNeXt target(config);
    const auto report = models::load_convnext_weights(target, training);
    CHECK(report.source.entry == "model");
    CHECK(report.source.ignored == std::vector<std::string>{"model_ema", "optimizer"});
    CHECK(report.message.find("from the checkpoint's 'model' entry (left out: model_ema, optimizer)") != std::string::npos);
    CHECK(allclose(target.state_dict()[0].second, tv[0].second, 0, 0));
    // Only an EMA copy beside the optimizer: the EMA copy is the weights.
    nn::NamedTensors ema_only;
    for (const auto& named : training)
      if (named.first.rfind("model.", 0) != 0) ema_only.push_back(named);
    CHECK(models::load_convnext_weights(target, ema_only).source.entry == "model_ema");
    CHECK(allclose(target.state_dict()[0].second, tv[0].second + 1, 0, 0));
    nn::NamedTensors timm_ema;  // timm's {'state_dict_ema': weights} alone: only a wrapper
    for (const auto& [name, t] : rename_to(tv, "timm")) timm_ema.emplace_back("state_dict_ema." + name, t);
    CHECK(models::load_convnext_weights(target, timm_ema).source.entry.empty());
    CHECK(allclose(target.state_dict()[0].second, tv[0].second, 0, 0));
  }
  // Another architecture is an error naming both; stray keys are errors naming the keys.
  ConvNeXt other({{1, 1, 1, 1}, {8, 12, 16, 24}, 10});
  CHECK_THROWS_WITH_FRAGMENT(models::load_convnext_weights(other, tv),
                             "the checkpoint is a ConvNeXt (depths 1-1-2-1, widths 8-12-16-24), the model is a "
                             "ConvNeXt (depths 1-1-1-1, widths 8-12-16-24)");
  ConvNeXt atto(ConvNeXtConfig::atto());
  manual_seed(3);
  const auto femto = ConvNeXt(ConvNeXtConfig::femto()).state_dict();
  CHECK_THROWS_WITH_FRAGMENT(models::load_convnext_weights(atto, rename_to(femto, "timm")),
                             "the checkpoint is convnext_femto (depths 2-2-6-2, widths 48-96-192-384), the model is "
                             "convnext_atto (depths 2-2-6-2, widths 40-80-160-320)");
  // The architecture read back from the tensors, in every layout.
  for (const std::string layout : {"torchvision", "official", "timm"}) {
    const ConvNeXtConfig read = models::convnext_config_of(layout == "torchvision" ? tv : rename_to(tv, layout));
    CHECK(read.depths == config.depths);
    CHECK(read.dims == config.dims);
    CHECK(read.num_classes == 10);
    CHECK(models::convnext_variant_name(read).empty());
  }
  CHECK(models::convnext_variant_name(models::convnext_config_of(femto)) == "convnext_femto");
  CHECK(models::convnext_variant_name(ConvNeXtConfig::tiny()) == "convnext_tiny");
  nn::NamedTensors no_downsampling;
  for (const auto& [n, t] : tv)
    if (n.rfind("features.2.", 0) != 0) no_downsampling.emplace_back(n, t);
  CHECK_THROWS_WITH_FRAGMENT(models::convnext_config_of(no_downsampling), "architecture cannot be read");
  nn::NamedTensors stray = tv;
  stray.emplace_back("features.0.1.num_batches_tracked", zeros({}));
  CHECK_THROWS_WITH_FRAGMENT(models::load_convnext_weights(other, rename_to(stray, "official")), "belong to no ConvNeXt layer");
  CHECK_THROWS_WITH_FRAGMENT(models::to_torchvision_names({{"fc.weight", zeros({2})}}), "no known ConvNeXt layout");
}

TEST_CASE("minitorch's safetensors weights round trip, and the weights reader tells the formats apart") {
  const ConvNeXtConfig config{{1, 1, 1, 1}, {8, 8, 8, 16}, 7};
  manual_seed(4);
  ConvNeXt a(config);
  const std::string path = "/tmp/minitorch_test_convnext.safetensors";
  models::save_convnext_weights(path, a, "test");
  ConvNeXt b(config);
  const auto report = models::load_convnext_weights(b, models::read_weights_file(path));
  CHECK(report.source.layout == models::CheckpointLayout::TorchVision);
  CHECK(report.source.entry.empty());
  const auto sa = a.state_dict(), sb = b.state_dict();
  for (size_t i = 0; i < sa.size(); ++i) CHECK(allclose(sa[i].second, sb[i].second, 0, 0));
  std::remove(path.c_str());
  CHECK_THROWS_WITH_FRAGMENT(models::read_weights_file("/nonexistent/w.pth"), "cannot open");
}
