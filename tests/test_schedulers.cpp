// Learning-rate schedulers, gradient clipping and early stopping. The lr sequences and the
// clipping results come from torch (tools/make_scheduler_fixtures.py,
// tests/fixtures/torch_schedulers.txt).
#include <cmath>
#include <memory>
#include <sstream>

#include "fixtures.hpp"
#include "minitorch/optim/clip.hpp"
#include "minitorch/optim/early_stopping.hpp"
#include "minitorch/optim/scheduler.hpp"

using namespace mt;
using namespace mt::optim;

namespace {

// One SGD group per learning rate, as the fixture tool builds them.
std::unique_ptr<SGD> sgd(const std::vector<double>& lrs) {
  std::vector<std::pair<std::vector<Tensor>, SGDOptions>> groups;
  for (double lr : lrs) groups.push_back({{zeros({1}, {.requires_grad = true})}, SGDOptions{.lr = lr}});
  return std::make_unique<SGD>(groups);
}

// The same schedulers as SCHEDULERS in tools/make_scheduler_fixtures.py.
std::unique_ptr<LRScheduler> make_scheduler(const std::string& name, Optimizer& o) {
  if (name == "step") return std::make_unique<StepLR>(o, 3, 0.5);
  if (name == "step_two_groups") return std::make_unique<StepLR>(o, 2);
  if (name == "cosine") return std::make_unique<CosineAnnealingLR>(o, 10, 1e-4);
  if (name == "cosine_zero_min") return std::make_unique<CosineAnnealingLR>(o, 7);
  if (name == "linear") return std::make_unique<LinearLR>(o, 0.1, 1.0, 4);
  if (name == "linear_default") return std::make_unique<LinearLR>(o);
  if (name == "linear_decay") return std::make_unique<LinearLR>(o, 1.0, 0.25, 6);
  if (name == "warmup_cosine") {
    auto warmup = std::make_shared<LinearLR>(o, 0.1, 1.0, 5);
    auto cosine = std::make_shared<CosineAnnealingLR>(o, 15);
    return std::make_unique<SequentialLR>(o, std::vector<std::shared_ptr<const LRScheduler>>{warmup, cosine},
                                          std::vector<int64_t>{5});
  }
  if (name == "three_parts") {
    auto a = std::make_shared<LinearLR>(o, 0.5, 1.0, 2);
    auto b = std::make_shared<StepLR>(o, 2, 0.5);
    auto c = std::make_shared<CosineAnnealingLR>(o, 5, 1e-3);
    return std::make_unique<SequentialLR>(o, std::vector<std::shared_ptr<const LRScheduler>>{a, b, c},
                                          std::vector<int64_t>{2, 6});
  }
  FAIL("unknown scheduler case " << name);
  return nullptr;
}

std::vector<FixtureCase> cases_with_prefix(bool clip) {
  std::vector<FixtureCase> out;
  for (auto& c : load_fixtures("torch_schedulers.txt"))
    if ((c.name.rfind("clip_", 0) == 0) == clip) out.push_back(c);
  return out;
}

}  // namespace

TEST_CASE("StepLR, CosineAnnealingLR, LinearLR and SequentialLR give torch's learning rates") {
  const auto cases = cases_with_prefix(false);
  CHECK(cases.size() == 9);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const Tensor expected = c.all("output").at(0);  // [steps + 1, groups]
    const int64_t steps = expected.size(0) - 1, groups = expected.size(1);
    std::vector<double> lrs;  // the groups' lrs before the scheduler was built
    std::istringstream words(c.text.at("base_lrs"));
    for (double lr; words >> lr;) lrs.push_back(lr);
    REQUIRE(int64_t(lrs.size()) == groups);
    auto opt = sgd(lrs);
    auto sched = make_scheduler(c.name, *opt);
    for (int64_t step = 0; step <= steps; ++step) {
      if (step) sched->step();
      CHECK(sched->last_epoch() == step);
      for (int64_t g = 0; g < groups; ++g) {
        const double want = expected[step][g].item(), got = opt->lr(size_t(g));
        CHECK_MESSAGE(std::abs(got - want) <= 1e-12 * lrs[size_t(g)], "step " << step << " group " << g << ": " << got
                                                                             << " vs torch " << want);
      }
    }
    // Resuming jumps to a step directly and gives the same lr as stepping there.
    auto fresh_opt = sgd(lrs);
    auto resumed = make_scheduler(c.name, *fresh_opt);
    resumed->set_last_epoch(steps);
    CHECK(fresh_opt->lr(0) == opt->lr(0));
  }
}

TEST_CASE("scheduler arguments are checked") {
  auto opt = sgd({0.1});
  CHECK_THROWS_WITH_FRAGMENT(StepLR(*opt, 0), "step_size must be positive");
  CHECK_THROWS_WITH_FRAGMENT(CosineAnnealingLR(*opt, 0), "T_max must be positive");
  CHECK_THROWS_WITH_FRAGMENT(LinearLR(*opt, 0.0), "start_factor must be in (0, 1]");
  auto a = std::make_shared<LinearLR>(*opt, 0.5, 1.0, 2);
  auto b = std::make_shared<StepLR>(*opt, 2);
  using Parts = std::vector<std::shared_ptr<const LRScheduler>>;
  CHECK_THROWS_WITH_FRAGMENT(SequentialLR(*opt, Parts{a, b}, {}), "2 schedulers need 1 milestones, got 0");
  CHECK_THROWS_WITH_FRAGMENT(SequentialLR(*opt, Parts{a, b, b}, {3, 3}), "milestones must be positive and increasing");
  auto other = sgd({0.1});
  auto foreign = std::make_shared<StepLR>(*other, 2);
  CHECK_THROWS_WITH_FRAGMENT(SequentialLR(*opt, Parts{a, foreign}, {2}), "scheduler 1 belongs to another optimizer");
}

TEST_CASE("SequentialLR uses the first part's base lrs even though each part set the lr when built") {
  auto opt = sgd({1.0});
  auto warmup = std::make_shared<LinearLR>(*opt, 0.1, 1.0, 2);   // sets lr 0.1
  auto step = std::make_shared<StepLR>(*opt, 1, 0.5);            // sees lr 0.1 as its base
  SequentialLR sched(*opt, {warmup, step}, {2});
  const std::vector<double> expected = {0.1, 0.55, 1.0, 0.5, 0.25};
  for (size_t i = 0; i < expected.size(); ++i) {
    if (i) sched.step();
    CHECK(opt->lr() == doctest::Approx(expected[i]).epsilon(1e-15));
  }
}

TEST_CASE("clip_grad_norm_ returns torch's total norm and scales the gradients as torch does") {
  const auto cases = cases_with_prefix(true);
  CHECK(cases.size() == 6);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const double max_norm = std::stod(c.text.at("max_norm"));
    const double norm_type = std::stod(c.text.at("norm_type"));  // "inf" too
    std::vector<Tensor> params;
    for (const Tensor& g : c.all("grad")) {
      params.push_back(zeros(g.shape(), {.requires_grad = true}));
      params.back().set_grad(g.clone());
    }
    params.push_back(zeros({2}, {.requires_grad = true}));  // no gradient: skipped
    const double total = clip_grad_norm_(params, max_norm, norm_type);
    CHECK(total == doctest::Approx(std::stod(c.text.at("total"))).epsilon(1e-6));
    const auto outputs = c.all("output");
    for (size_t i = 0; i < outputs.size(); ++i) check_close(params[i].grad(), outputs[i], 1e-5, 1e-9);
    CHECK_FALSE(params.back().grad().defined());
  }
}

TEST_CASE("clip_grad_norm_ edge cases") {
  Tensor p = zeros({3}, {.requires_grad = true});
  CHECK(clip_grad_norm_({p}, 1.0) == 0);  // no gradients at all
  p.set_grad(tensor({3, 4, 0}));
  CHECK(clip_grad_norm_({p}, 10.0) == doctest::Approx(5));
  CHECK(p.grad().to_vector<float>() == std::vector<float>{3, 4, 0});  // under the limit: untouched
  p.set_grad(tensor({NAN, 1, 0}));
  CHECK_THROWS_WITH_FRAGMENT(clip_grad_norm_({p}, 1.0, 2, true), "is nan (not finite)");
  CHECK(std::isnan(clip_grad_norm_({p}, 1.0)));
  // The infinity norm too, also when another gradient comes first (torch: nan).
  Tensor q = zeros({1}, {.requires_grad = true});
  q.set_grad(tensor({1}));
  CHECK(std::isnan(clip_grad_norm_({q, p}, 100.0, INFINITY)));
  q.set_grad(tensor({1}));  // (the call above scaled both by NaN)
  p.set_grad(tensor({NAN, 1, 0}));
  CHECK_THROWS_WITH_FRAGMENT(clip_grad_norm_({q, p}, 100.0, INFINITY, true), "is nan (not finite)");
  CHECK_THROWS_WITH_FRAGMENT(clip_grad_norm_({p}, 1.0, 0), "norm_type must be positive");
}

TEST_CASE("EarlyStopping stops after `patience` epochs without an improvement larger than min_delta") {
  EarlyStopping acc(2, 0.01, EarlyStopping::Mode::Max);
  CHECK(acc.improved_by(0.0));
  CHECK_FALSE(acc.step(0.30));  // epoch 0: best
  CHECK(acc.improved());
  CHECK_FALSE(acc.step(0.40));  // epoch 1: best
  CHECK_FALSE(acc.step(0.405)); // not by more than 0.01
  CHECK_FALSE(acc.improved());
  CHECK_FALSE(acc.step(0.45));  // epoch 3: best again, the count restarts
  CHECK_FALSE(acc.step(0.44));
  CHECK(acc.step(0.20));        // two bad epochs in a row
  CHECK(acc.best() == 0.45);
  CHECK(acc.best_epoch() == 3);
  CHECK(acc.epochs() == 6);
  CHECK(acc.bad_epochs() == 2);

  EarlyStopping loss(1);  // Min mode, min_delta 0
  CHECK(std::isnan(loss.best()));
  CHECK(loss.best_epoch() == -1);
  CHECK_FALSE(loss.step(1.0));
  CHECK_FALSE(loss.step(0.5));
  CHECK(loss.step(NAN));  // a NaN loss never improves
  CHECK(loss.best() == 0.5);
  CHECK(loss.best_epoch() == 1);

  CHECK_THROWS_WITH_FRAGMENT(EarlyStopping(0), "patience must be at least 1");
  CHECK_THROWS_WITH_FRAGMENT(EarlyStopping(3, -1), "min_delta must be finite and >= 0");
}
