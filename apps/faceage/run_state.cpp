#include "run_state.hpp"

#include "minitorch/io/checkpoint.hpp"
#include "outputs.hpp"

namespace faceage {

using namespace minitorch;

namespace {
// The options a resumed run must share with the run it continues, as the checkpoint records
// them: the model, its input and the optimisation. --epochs, --amp, --workers, --device and
// --early-stopping may change.
std::vector<std::pair<std::string, std::string>> fixed_options(const TrainOptions& o) {
  return {{"arch", o.arch},
          {"image_size", std::to_string(o.image_size)},
          {"optimizer", o.optimizer},
          {"lr", python_float(o.lr)},  // "0.0001": compares exactly, reads as the user wrote it
          {"batch_size", std::to_string(o.batch_size)},
          {"seed", std::to_string(o.seed)}};
}
std::string option_name(const std::string& key) {
  std::string name = "--" + key;
  for (char& c : name)
    if (c == '_') c = '-';
  return name;
}
}  // namespace

void save_run_state(const std::string& dir, const models::ConvNeXt& model, const optim::Optimizer& optimizer,
                    const TrainResult& r, int64_t epochs_done, const TrainOptions& o) {
  TrainingState s;
  s.model = model.state_dict();
  s.optimizer = optimizer.state_dict();
  s.epoch = epochs_done;
  s.generators["default"] = GeneratorState::of(default_generator());
  for (const EpochResult& e : r.epochs) {
    s.metrics["train_loss"].push_back(e.train_loss);
    s.metrics["train_acc"].push_back(e.train_acc);
    s.metrics["val_loss"].push_back(e.val_loss);
    s.metrics["val_acc"].push_back(e.val_acc);
    s.metrics["bf16"].push_back(e.bf16 ? 1 : 0);
  }
  for (const Prediction& p : r.predictions) {
    s.metrics["pred_epoch"].push_back(double(p.epoch));
    s.metrics["pred"].push_back(double(p.pred));
    s.metrics["actual"].push_back(double(p.actual));
  }
  for (const auto& [key, value] : fixed_options(o)) s.info[key] = value;
  s.info["weights"] = r.weights;
  std::string classes;
  for (const auto& c : r.classes) classes += (classes.empty() ? "" : ",") + c;
  s.info["classes"] = classes;
  save_checkpoint(dir, s);
}

int64_t load_run_state(const std::string& dir, models::ConvNeXt& model, optim::Optimizer& optimizer, TrainResult& r,
                       const TrainOptions& o) {
  MT_CHECK(has_checkpoint(dir), "--resume: no checkpoint in ", dir, " (train without --resume first)");
  const TrainingState s = load_checkpoint(dir);
  // The run goes on as it started (older checkpoints recorded fewer of the options).
  for (const auto& [key, value] : fixed_options(o)) {
    const std::string option = option_name(key);
    MT_CHECK(!s.info.count(key) || s.info.at(key) == value, "--resume: the run in ", dir, " was trained with ", option,
             " ", s.info.at(key), ", not ", value, " (give ", option, " ", s.info.at(key), ", or start a new --out)");
  }
  if (s.info.count("weights")) r.weights = s.info.at("weights");
  std::string classes;
  for (const auto& c : r.classes) classes += (classes.empty() ? "" : ",") + c;
  MT_CHECK(s.info.count("classes") && s.info.at("classes") == classes, "--resume: the checkpoint in ", dir,
           " was trained on classes ", s.info.count("classes") ? s.info.at("classes") : "?", ", the data has ", classes);
  model.load_state_dict(s.model);
  optimizer.load_state_dict(s.optimizer);
  if (s.generators.count("default")) s.generators.at("default").apply_to(default_generator());
  auto m = [&](const char* name) {
    return s.metrics.count(name) ? s.metrics.at(name) : std::vector<double>{};
  };
  const auto tl = m("train_loss"), ta = m("train_acc"), vl = m("val_loss"), va = m("val_acc"), bf16 = m("bf16");
  r.epochs.clear();
  for (size_t i = 0; i < tl.size() && i < ta.size() && i < vl.size() && i < va.size(); ++i)
    r.epochs.push_back({tl[i], ta[i], vl[i], va[i], i < bf16.size() && bf16[i] == 1});
  const auto pe = m("pred_epoch"), p = m("pred"), a = m("actual");
  r.predictions.clear();
  for (size_t i = 0; i < pe.size() && i < p.size() && i < a.size(); ++i)
    r.predictions.push_back({int64_t(pe[i]), int64_t(p[i]), int64_t(a[i])});
  MT_CHECK(s.epoch >= 1 && size_t(s.epoch) == r.epochs.size(), "--resume: the checkpoint in ", dir, " says ", s.epoch,
           " epochs are done but holds the results of ", r.epochs.size());
  MT_CHECK(s.epoch < o.epochs, "--resume: the run in ", dir, " has already done ", s.epoch,
           s.epoch == 1 ? " epoch" : " epochs", "; give --epochs above ", s.epoch, " to train it further");
  return s.epoch;
}

}  // namespace faceage
