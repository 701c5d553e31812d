#include "commands.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "files.hpp"
#include "minitorch/minitorch.hpp"
#include "models/device_choice.hpp"
#include "minitorch/data/image_folder.hpp"
#include "minitorch/data/loader.hpp"
#include "model_file.hpp"
#include "models/imagenet_classes.hpp"
#include "models/predict.hpp"
#include "outputs.hpp"
#include "report.hpp"
#include "run_record.hpp"

namespace faceage {

using namespace minitorch;

namespace {
const CLI::Range kImageSizes(int64_t(32), int64_t(4096));
// A seed is a whole number from 0 to 2^64 - 1 (CLI11 itself would wrap "-5" and clamp larger
// numbers).
const CLI::Validator kSeed(
    [](std::string& text) -> std::string {
      uint64_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return "expected a whole number from 0 to 18446744073709551615, got '" + text + "'";
      return "";
    },
    "SEED");
const char* const kImageSizeHelp = "square input size (default: the size the model was trained at)";
}  // namespace

Commands::Commands(CLI::App& app) {
  synth_ = app.add_subcommand("synth", "write a synthetic CACD-like set (CACD2000/*.jpg and celebrity2000_meta.mat)");
  synth_->add_option("--out", synth_options_.out_dir, "folder to write")->required();
  synth_->add_option("--identities", synth_options_.identities, "people")->check(CLI::Range(1, 100000));
  synth_->add_option("--per-identity", synth_options_.per_identity, "photos per person")->check(CLI::Range(1, 100000));
  synth_->add_option("--size", synth_options_.size, "photo width and height")->check(CLI::Range(32, 4096));
  synth_->add_option("--seed", synth_options_.seed, "random seed")->check(kSeed);

  prepare_ = app.add_subcommand("prepare", "step 1: sort images into decade folders (10s, 20s, ...)");
  auto* meta = prepare_->add_option("--meta", meta_, "CACD metadata .mat (v5 or v7.3)");
  auto* csv = prepare_->add_option("--csv", csv_, "CSV of file,age rows instead of a .mat");
  meta->excludes(csv);
  prepare_->add_option("--images", prepare_options_.images_dir, "folder of the images")->required();
  prepare_->add_option("--out", prepare_options_.out_dir, "folder to fill with <decade>s/ folders")->required();
  prepare_->add_option("--per-group", prepare_options_.per_group, "at most this many images per group")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
  prepare_->add_option("--seed", prepare_options_.seed, "shuffle seed")->check(kSeed);
  prepare_->add_flag("--link", prepare_options_.link, "hard-link instead of copying");
  prepare_->add_flag("--overwrite", prepare_options_.overwrite,
                     "replace the group folders of an earlier run in --out (without it they are an error)");

  split_ = app.add_subcommand("split", "step 2: split each group into train/ and val/");
  split_->add_option("--in", split_options_.in_dir, "folder of group folders")->required();
  split_->add_option("--out", split_options_.out_dir, "folder to write train/ and val/ into")->required();
  split_->add_option("--val-fraction", split_options_.val_fraction, "share of each group for validation");
  split_->add_option("--seed", split_options_.seed, "split seed")->check(kSeed);
  split_->add_flag("--link", split_options_.link, "hard-link instead of copying");
  split_->add_flag("--overwrite", split_options_.overwrite,
                   "replace the train/ and val/ of an earlier run in --out (without it they are an error)");

  TrainOptions& t = train_options_;
  train_ = app.add_subcommand("train", "step 3: fine-tune ConvNeXt, write curves, CSVs, heatmap, checkpoint");
  train_->add_option("--data", t.data_dir, "folder with train/ and val/")->required();
  train_->add_option("--out", t.out_dir, "results folder")->required();
  train_->add_option("--weights", t.weights, "checkpoint to start from (torchvision/official .pth, timm .safetensors)");
  train_->add_option("--epochs", t.epochs, "epochs")->check(CLI::Range(int64_t(1), int64_t(1000000)));
  train_->add_option("--batch-size", t.batch_size, "batch size")->check(CLI::Range(int64_t(1), int64_t(1000000)));
  train_->add_option("--lr", t.lr, "learning rate");
  train_->add_option("--optimizer", t.optimizer, "adam, adamw or sgd");
  train_->add_option("--seed", t.seed, "seed of initialisation, shuffling and augmentation")
      ->check(kSeed);
  train_->add_option("--image-size", t.image_size, "images are resized to this square size")->check(kImageSizes);
  train_->add_option("--workers", t.workers, "loader threads")->check(CLI::Range(0, 256));
  train_->add_option("--device", t.device, "auto, cpu or cuda");
  train_->add_option("--amp", t.amp,
                     "none, or bf16: matrix products in bfloat16, float32 weights (faster on GPUs, AVX512_BF16 CPUs)");
  train_->add_option("--arch", t.arch, "convnext_tiny, or convnext_small, _base, _large, or timm's convnext_atto, _femto, _pico, _nano");
  train_->add_option("--early-stopping", t.early_stopping, "stop after this many epochs without a better val accuracy")
      ->check(CLI::Range(int64_t(0), int64_t(1000000)));
  train_->add_flag("--resume", t.resume, "continue from the checkpoint in --out");
  train_->add_flag("--overwrite", t.overwrite, "start again where --out holds an earlier run's results");

  evaluate_ = app.add_subcommand("evaluate", "accuracy, per-class accuracy and confusion matrix on val/");
  evaluate_->add_option("--data", eval_data_, "folder with val/")->required();
  evaluate_->add_option("--checkpoint", eval_checkpoint_, "model file written by train")->required();
  evaluate_->add_option("--image-size", eval_image_size_, kImageSizeHelp)->check(kImageSizes);
  evaluate_->add_option("--device", model_device_, "auto, cpu or cuda");

  embed_ = app.add_subcommand("embed", "features of both splits, saved as .pth tuples (features, labels)");
  embed_->add_option("--data", embed_options_.data_dir, "folder with train/ and val/")->required();
  embed_->add_option("--checkpoint", embed_options_.checkpoint, "model file written by train")->required();
  embed_->add_option("--out", embed_options_.out_dir, "folder to write into")->required();
  embed_->add_option("--layer", embed_options_.layer, "logits or pooled");
  embed_->add_option("--image-size", embed_options_.image_size, kImageSizeHelp)->check(kImageSizes);
  embed_->add_option("--device", embed_options_.device, "auto, cpu or cuda");

  plot_ = app.add_subcommand("plot", "PCA and t-SNE plots of saved features");
  plot_->add_option("--features", plot_options_.features, "a .pth tuple (features, labels)")->required();
  plot_->add_option("--out", plot_options_.out_dir, "folder to write into")->required();
  plot_->add_option("--classes", plot_classes_,
                    "legend names of labels 0, 1, ..., comma-separated (default: those embed writes beside the "
                    "features, FEATURES.classes.txt, else 10s, 20s, ...)");

  predict_ = app.add_subcommand("predict", "top-k classes for images with a trained model");
  predict_->add_option("--weights", predict_weights_, "model file written by train")->required();
  predict_->add_option("--topk", predict_topk_, "classes to print")->check(CLI::Range(1, 1000));
  predict_->add_option("--image-size", eval_image_size_, kImageSizeHelp)->check(kImageSizes);
  predict_->add_flag("--json", predict_json_, "one JSON object per image");
  predict_->add_option("--device", model_device_, "auto, cpu or cuda");
  predict_->add_option("images", predict_images_, "image files")->required();

  demo_ = app.add_subcommand("demo", "the whole tutorial on a small synthetic set, in a few minutes");
  demo_->add_option("--out", demo_out_, "folder for the data and the results");
}

namespace {

int run_evaluate(const std::string& data_dir, const std::string& checkpoint, int64_t requested_size,
                 const std::string& device_name) {
  const Device device = models::pick_device(device_name);
  check_finished(data_dir, "evaluate");
  const std::string val_dir = (fs::path(data_dir) / "val").string();
  const TrainedModel trained = load_trained_model(checkpoint);
  models::ConvNeXt& model = *trained.model;
  model.to(device);
  model.eval();
  data::ImageFolder val(val_dir, eval_transform(input_size_for(trained, requested_size, "evaluate")));
  check_same_classes(trained, val.classes(), val_dir, "evaluate");
  const int64_t classes = int64_t(val.classes().size());
  const bool pin = device.is_cuda();
  data::DataLoader loader(val, {.batch_size = 32, .num_workers = 2, .pin_memory = pin});
  std::vector<Tensor> preds, labels;
  NoGradGuard no_grad;
  for (const data::Batch& b : loader.epoch(0)) {
    preds.push_back(argmax(model.forward(b.inputs.to(device, pin)), 1).to(kCPU));
    labels.push_back(b.labels);
  }
  const Tensor p = cat(preds), l = cat(labels);
  const Tensor counts = confusion_matrix(p, l, classes);  // [true, predicted]
  const auto c = counts.to_vector<int64_t>();
  int64_t correct = 0;
  for (int64_t k = 0; k < classes; ++k) correct += c[size_t(k * classes + k)];
  std::printf("accuracy: %.4f (%lld/%lld)\nper class:\n", double(correct) / double(p.numel()), (long long)correct,
              (long long)p.numel());
  for (int64_t k = 0; k < classes; ++k) {
    int64_t total = 0;
    for (int64_t j = 0; j < classes; ++j) total += c[size_t(k * classes + j)];
    std::printf("  %-6s %.4f (%lld images)\n", val.classes()[size_t(k)].c_str(),
                total ? double(c[size_t(k * classes + k)]) / double(total) : 0.0, (long long)total);
  }
  std::printf("confusion matrix (rows: true, columns: predicted):\n%s\n", counts.str().c_str());
  return 0;
}

// A fine-tuned model sees what it saw in training (a square resize at its training size); a
// 1000-class ImageNet checkpoint gets the preset its weights were trained with (resize 236,
// center crop 224) unless --image-size asks for a square resize.
int run_predict(const std::string& weights, int64_t topk, bool json, int64_t requested_size,
                const std::vector<std::string>& images, const std::string& device_name) {
  const Device device = models::pick_device(device_name);
  TrainedModel trained = load_trained_model(weights);
  auto& model = trained.model;
  const std::vector<std::string>& names = trained.class_names;
  model->to(device);
  model->eval();
  const int64_t classes = model->config().num_classes;
  const data::transforms::Compose transform = classes == 1000 && requested_size == 0 && trained.image_size == 0
                                                  ? models::imagenet_eval_preset()
                                                  : eval_transform(input_size_for(trained, requested_size, "predict"));
  NoGradGuard no_grad;
  for (const std::string& path : images) {
    const Tensor logits = model->forward(transform(data::read_image(path)).unsqueeze(0).to(device))[0].to(kCPU);
    const auto top = models::top_k_classes(logits, topk);
    std::fputs((json ? models::top_k_json(path, top, names) + "\n" : models::top_k_text(path, top, names)).c_str(), stdout);
  }
  return 0;
}

}  // namespace

void write_training_outputs(const TrainResult& r, const TrainOptions& o) {
  const fs::path out(o.out_dir);
  write_loss_acc_csv((out / "convnext_loss_acc.csv").string(), r);
  write_predictions_csv((out / "pred_acctual.csv").string(), r);
  write_training_plots(r, o.out_dir);
  write_report_html(o.out_dir, r, o, {{"train", r.seconds}});
}

int Commands::run() {
  if (synth_->parsed()) {
    write_synthetic_cacd(synth_options_);
    std::printf("wrote %s/CACD2000 and %s/celebrity2000_meta.mat\n", synth_options_.out_dir.c_str(),
                synth_options_.out_dir.c_str());
    return 0;
  }
  if (prepare_->parsed()) {
    MT_CHECK(!meta_.empty() || !csv_.empty(), "prepare: give --meta FILE.mat or --csv FILE");
    const auto images = meta_.empty() ? read_csv_labels(csv_) : read_mat_labels(meta_);
    prepare_options_.labels_file = meta_.empty() ? csv_ : meta_;
    const PrepareReport report = prepare(images, prepare_options_);
    for (const auto& [group, n] : report.groups) std::printf("%s: %lld images\n", group.c_str(), (long long)n);
    if (report.missing) std::printf("warning: %lld listed images were not found and were skipped\n", (long long)report.missing);
    if (report.not_images)
      std::printf("warning: %lld listed paths are not image files (.jpg, .jpeg, .png or .bmp), e.g. %s, and were "
                  "skipped\n", (long long)report.not_images, report.first_not_image.c_str());
    if (report.duplicates)
      std::printf("warning: %lld listed images were listed before, or share a file name with another image of their "
                  "group, and were skipped\n", (long long)report.duplicates);
    if (report.conflicting_ages)
      std::printf("warning: %lld images are listed with two different ages; each was copied once, into the group of "
                  "the entry shuffled first\n", (long long)report.conflicting_ages);
    return 0;
  }
  if (split_->parsed()) {
    for (const auto& [name, sizes] : split(split_options_))
      std::printf("%s: %lld train, %lld val\n", name.c_str(), (long long)sizes.first, (long long)sizes.second);
    return 0;
  }
  if (train_->parsed()) {
    const TrainResult r = train(train_options_);
    write_training_outputs(r, train_options_);
    write_metrics_json((fs::path(train_options_.out_dir) / "metrics.json").string(), r, train_options_);
    return 0;
  }
  if (evaluate_->parsed()) return run_evaluate(eval_data_, eval_checkpoint_, eval_image_size_, model_device_);
  if (embed_->parsed()) {
    embed(embed_options_);
    return 0;
  }
  if (plot_->parsed()) {
    // Split here, not by CLI11, which would drop an empty name and shift the others.
    if (plot_->count("--classes")) {
      std::string name;
      for (std::istringstream names(plot_classes_ + ","); std::getline(names, name, ',');) {
        MT_CHECK(!name.empty(), "--classes: name ", plot_options_.class_names.size() + 1, " is empty");
        plot_options_.class_names.push_back(name);
      }
    }
    plot_features(plot_options_);
    return 0;
  }
  if (predict_->parsed())
    return run_predict(predict_weights_, predict_topk_, predict_json_, eval_image_size_, predict_images_, model_device_);
  return run_demo(demo_out_);
}

}  // namespace faceage
