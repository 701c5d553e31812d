#pragma once
// The faceage commands: their options (CLI11) and what each runs.
#include <CLI/CLI.hpp>

#include "embed.hpp"
#include "prepare.hpp"
#include "synth.hpp"
#include "train.hpp"

namespace faceage {

struct PlotOptions {
  std::string features, out_dir;
  std::vector<std::string> class_names;  // legend names; default: FEATURES.classes.txt (embed's), else 10s, 20s, ...
};
// PCA and t-SNE plots (and their 2-D coordinates as CSV) of saved features.
void plot_features(const PlotOptions& options);

// Writes the tutorial's result files of a training run into options.out_dir, and a report.html
// with the training time (the demo rewrites it at its end with every step's time).
void write_training_outputs(const TrainResult& result, const TrainOptions& options);

class Commands {
 public:
  explicit Commands(CLI::App& app);
  int run();

 private:
  CLI::App *synth_, *prepare_, *split_, *train_, *evaluate_, *embed_, *plot_, *predict_, *demo_;
  SynthOptions synth_options_;
  PrepareOptions prepare_options_;
  std::string meta_, csv_;
  SplitOptions split_options_;
  TrainOptions train_options_;
  EmbedOptions embed_options_;
  PlotOptions plot_options_;
  std::string eval_data_, eval_checkpoint_, predict_weights_, demo_out_ = "faceage-demo";
  std::string plot_classes_;  // --classes, comma-separated
  std::string model_device_ = "auto";  // --device of evaluate and predict
  int64_t eval_image_size_ = 0, predict_topk_ = 3;  // 0: the size the model was trained at
  bool predict_json_ = false, prepare_link_ = false;
  std::vector<std::string> predict_images_;
};

}  // namespace faceage
