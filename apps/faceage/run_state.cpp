#include "run_state.hpp"

#include "minitorch/io/checkpoint.hpp"

namespace faceage {

using namespace minitorch;

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
  }
  for (const Prediction& p : r.predictions) {
    s.metrics["pred_epoch"].push_back(double(p.epoch));
    s.metrics["pred"].push_back(double(p.pred));
    s.metrics["actual"].push_back(double(p.actual));
  }
  s.info["arch"] = o.arch;
  s.info["image_size"] = std::to_string(o.image_size);
  s.info["optimizer"] = o.optimizer;
  std::string classes;
  for (const auto& c : r.classes) classes += (classes.empty() ? "" : ",") + c;
  s.info["classes"] = classes;
  save_checkpoint(dir, s);
}

int64_t load_run_state(const std::string& dir, models::ConvNeXt& model, optim::Optimizer& optimizer, TrainResult& r,
                       const TrainOptions& o) {
  MT_CHECK(has_checkpoint(dir), "--resume: no checkpoint in ", dir, " (train without --resume first)");
  const TrainingState s = load_checkpoint(dir);
  // The run goes on as it started: same architecture, image size and optimizer (older
  // checkpoints did not record the size).
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"arch", o.arch},
                                   {"image_size", std::to_string(o.image_size)},
                                   {"optimizer", o.optimizer}}) {
    const std::string option = key == "image_size" ? "--image-size" : "--" + key;
    MT_CHECK(!s.info.count(key) || s.info.at(key) == value, "--resume: the run in ", dir, " was trained with ", option,
             " ", s.info.at(key), ", not ", value, " (give ", option, " ", s.info.at(key), ", or start a new --out)");
  }
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
  const auto tl = m("train_loss"), ta = m("train_acc"), vl = m("val_loss"), va = m("val_acc");
  r.epochs.clear();
  for (size_t i = 0; i < tl.size() && i < ta.size() && i < vl.size() && i < va.size(); ++i)
    r.epochs.push_back({tl[i], ta[i], vl[i], va[i]});
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
