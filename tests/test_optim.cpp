// Optimizers against torch.optim (tests/fixtures/torch_optim.txt) and their state round trip.
#include <functional>

#include "fixtures.hpp"
#include "minitorch/optim/optimizer.hpp"

using namespace mt;

namespace {
std::unique_ptr<optim::Optimizer> make(const std::string& name, const std::vector<Tensor>& p) {
  if (name == "sgd") return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.1});
  if (name == "sgd_momentum_wd")
    return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01});
  if (name == "sgd_nesterov")
    return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true});
  if (name == "adam") return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 1e-2});
  if (name == "adam_wd")
    return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 1e-3, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1});
  if (name == "adamw") return std::make_unique<optim::AdamW>(p, optim::AdamWOptions{.lr = 1e-2, .weight_decay = 0.05});
  if (name == "adamw_default_decay") return std::make_unique<optim::AdamW>(p, optim::AdamWOptions{.lr = 0.1});
  FAIL("unknown case " << name);
  return nullptr;
}
}  // namespace

TEST_CASE("SGD, Adam and AdamW follow torch.optim step for step") {
  const auto cases = load_fixtures("torch_optim.txt");
  CHECK(cases.size() == 7);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::vector<Tensor> params;
    for (const Tensor& t : c.all("input")) params.push_back(t.clone().requires_grad_());
    auto opt = make(c.name, params);
    const auto grads = c.all("grad"), outputs = c.all("output");
    REQUIRE(grads.size() == 10);
    for (size_t step = 0; step < 5; ++step) {
      for (size_t i = 0; i < 2; ++i) params[i].set_grad(grads[step * 2 + i]);
      opt->step();
      for (size_t i = 0; i < 2; ++i) check_close(params[i], outputs[step * 2 + i], 1e-6, 1e-6);
    }
  }
}

TEST_CASE("optimizer state survives a save and load") {
  auto run = [](bool reload) {
    Tensor p = tensor({1, -2, 3}).requires_grad_();
    optim::Adam opt({p}, {.lr = 0.1});
    for (int step = 0; step < 6; ++step) {
      if (reload && step == 3) {
        auto state = opt.state_dict();
        optim::Adam fresh({p}, {.lr = 0.1});
        fresh.load_state_dict(state);
        opt = std::move(fresh);
      }
      p.set_grad(tensor({0.5, double(step), -1}));
      opt.step();
    }
    return p.to_vector<float>();
  };
  CHECK(run(false) == run(true));
}

TEST_CASE("parameter groups, learning rates and bad arguments") {
  Tensor a = ones({2}).requires_grad_(), b = ones({2}).requires_grad_();
  optim::SGD opt({{{a}, {.lr = 1.0}}, {{b}, {.lr = 0.5}}});
  a.set_grad(ones({2}));
  b.set_grad(ones({2}));
  opt.step();
  CHECK(a.to_vector<float>() == std::vector<float>{0, 0});
  CHECK(b.to_vector<float>() == std::vector<float>{0.5, 0.5});
  opt.set_lr(0.1);
  CHECK(opt.lr(1) == 0.1);
  opt.zero_grad();
  CHECK_FALSE(a.grad().defined());
  CHECK_THROWS_WITH_FRAGMENT(optim::Adam({a}, {.beta1 = 1.0}), "betas");
  CHECK_THROWS_WITH_FRAGMENT(optim::SGD({ones({2})}, {.lr = 0.1}), "requires grad");
  // As torch.optim: a parameter in two groups would be stepped twice; no parameters at all.
  CHECK_THROWS_WITH_FRAGMENT(optim::SGD({{{a}, {.lr = 1.0}}, {{b, a}, {.lr = 0.5}}}),
                             "parameter 1 of group 1 appears more than once");
  CHECK_THROWS_WITH_FRAGMENT(optim::Adam(std::vector<Tensor>{}, {}), "empty parameter list");
  // A gradient must be the parameter's own dtype and device: the kernels read it as such.
  Tensor d = ones({2}, {.dtype = kFloat64}).requires_grad_();
  CHECK_THROWS_WITH_FRAGMENT(d.set_grad(ones({2})), "set_grad: a gradient of float32 [2] on cpu for a tensor of float64");
  optim::SGD d_opt({d}, {.lr = 0.1});
  d.set_grad(ones({2}, {.dtype = kFloat64}));
  d.grad().impl()->dtype = kFloat32;  // as if set behind the check's back
  CHECK_THROWS_WITH_FRAGMENT(d_opt.step(), "SGD: a gradient of float32");
  optim::Adam adam({a}, {});
  CHECK_THROWS_WITH_FRAGMENT(adam.load_state_dict({{"state.0.0.exp_avg", zeros({3})}}), "shape");
}
