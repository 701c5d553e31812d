#include "train.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <chrono>
#include <csignal>
#include <cstdio>

#include "files.hpp"
#include "minitorch/minitorch.hpp"
#include "models/device_choice.hpp"
#include "minitorch/data/image_folder.hpp"
#include "minitorch/data/loader.hpp"
#include "minitorch/io/checkpoint.hpp"
#include "minitorch/optim/early_stopping.hpp"
#include "minitorch/optim/optimizer.hpp"
#include "models/convnext.hpp"
#include "model_file.hpp"
#include "models/convnext_weights.hpp"
#include "progress.hpp"
#include "run_record.hpp"
#include "run_state.hpp"

namespace faceage {

using namespace minitorch;

data::transforms::Compose eval_transform(int64_t size) {
  using namespace data::transforms;
  return Compose({Resize(size, size), ToTensor(), Normalize({0.485, 0.456, 0.406}, {0.229, 0.224, 0.225})});
}

std::string model_file(const std::string& out_dir) { return (fs::path(out_dir) / "convnext_finetuned.safetensors").string(); }
std::string checkpoint_dir(const std::string& out_dir) { return (fs::path(out_dir) / "checkpoint").string(); }

namespace {

const char* const kDerivedFiles[] = {"convnext_train_features.pth",         "convnext_val_features.pth",
                                     "convnext_train_features.classes.txt", "convnext_val_features.classes.txt",
                                     "convnext_pca.png",                    "convnext_tsne.png",
                                     "convnext_pca.csv",                    "convnext_tsne.csv"};

std::vector<fs::path> existing(const std::string& out_dir, const std::vector<std::string>& names) {
  std::vector<fs::path> found;
  for (const std::string& name : names) {
    std::error_code ec;
    const fs::path path = fs::path(out_dir) / name;
    if (fs::exists(fs::symlink_status(path, ec))) found.push_back(path);
  }
  return found;
}

// embed's features and plot's figures describe the model a resumed run has now replaced.
void remove_derived_files(const std::string& out_dir) {
  for (const fs::path& stale : derived_files(out_dir)) {
    std::error_code ec;
    fs::remove(stale, ec);
    MT_CHECK(!ec, "--resume: cannot remove ", stale.string(), ", made from the earlier model: ", ec.message());
    std::printf("Removed %s (made from the model this run replaces; run embed and plot again)\n",
                stale.filename().string().c_str());
  }
}

}  // namespace

std::vector<fs::path> derived_files(const std::string& out_dir) {
  return existing(out_dir, {std::begin(kDerivedFiles), std::end(kDerivedFiles)});
}

std::vector<fs::path> earlier_run_files(const std::string& out_dir) {
  std::vector<std::string> names = {"convnext_finetuned.safetensors", "metrics.json", "report.html",
                                    "convnext_loss_acc.csv", "pred_acctual.csv", "convnext_loss.png",
                                    "convnext_acc.png", "pred_acctual_heatmap.png"};
  names.insert(names.end(), std::begin(kDerivedFiles), std::end(kDerivedFiles));
  std::vector<fs::path> found;
  const fs::path checkpoints = checkpoint_dir(out_dir);
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(checkpoints, ec);
  if (fs::is_directory(status)) {
    bool any = false;
    for (const auto& entry : fs::directory_iterator(checkpoints, ec)) {
      const std::string name = entry.path().filename().string();
      MT_CHECK(entry.is_regular_file(ec) && !entry.is_symlink(ec) && is_checkpoint_file(checkpoints.string(), name),
               checkpoints.string(), " holds ", name, ", which faceage train did not write; move it, or choose ",
               "another --out");
      any = true;
    }
    if (any) found.push_back(checkpoints);
  } else if (fs::exists(status)) {
    found.push_back(checkpoints);
  }
  for (const fs::path& path : existing(out_dir, names)) found.push_back(path);
  return found;
}

namespace {

std::atomic<bool> interrupted{false};
void on_interrupt(int) { interrupted = true; }

data::transforms::Compose train_transform(int64_t size) {
  using namespace data::transforms;
  return Compose({Resize(size, size), RandomHorizontalFlip(), ColorJitter(0.2, 0.2), ToTensor(),
                  Normalize({0.485, 0.456, 0.406}, {0.229, 0.224, 0.225})});
}

void check_options(const TrainOptions& o) {
  MT_CHECK(o.epochs > 0, "--epochs must be at least 1, got ", o.epochs);
  MT_CHECK(o.batch_size > 0, "--batch-size must be at least 1, got ", o.batch_size);
  MT_CHECK(o.lr > 0 && std::isfinite(o.lr), "--lr must be positive, got ", o.lr);
  MT_CHECK(o.image_size >= 32, "--image-size must be at least 32, got ", o.image_size);
  MT_CHECK(o.workers >= 0, "--workers must be 0 or more, got ", o.workers);
  MT_CHECK(o.early_stopping >= 0, "--early-stopping must be 0 (off) or a patience in epochs");
  MT_CHECK(o.optimizer == "adam" || o.optimizer == "adamw" || o.optimizer == "sgd", "--optimizer must be adam, adamw",
           " or sgd, got '", o.optimizer, "'");
  MT_CHECK(o.amp == "none" || o.amp == "bf16", "--amp must be none or bf16, got '", o.amp, "'");
  MT_CHECK(!(o.resume && o.overwrite), "give --resume (continue the run in --out) or --overwrite (start it again), "
           "not both");
  MT_CHECK(!(o.resume && !o.weights.empty()), "give --weights (start a run from them) or --resume (continue the ",
           "run in --out, from its checkpoint), not both");
}

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainOptions& o, const std::vector<Tensor>& params) {
  if (o.optimizer == "sgd") return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = o.lr, .momentum = 0.9});
  if (o.optimizer == "adamw")
    return std::make_unique<optim::AdamW>(params, optim::AdamWOptions{.lr = o.lr, .weight_decay = 0.05});
  return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = o.lr});
}

struct PhaseResult {
  double loss = 0, accuracy = 0;
};

}  // namespace

TrainResult train(const TrainOptions& o) {
  check_options(o);
  const Device device = models::pick_device(o.device);
  MT_CHECK(!o.resume || has_checkpoint(checkpoint_dir(o.out_dir)), "--resume: no checkpoint in ",
           checkpoint_dir(o.out_dir), " to continue from (a run writes one after its first epoch); train without ",
           "--resume, with --overwrite where an earlier run left files");
  // The data first: nothing is created or removed for a run that cannot start.
  check_finished(o.data_dir, "train");
  data::ImageFolder train_set((fs::path(o.data_dir) / "train").string(), train_transform(o.image_size));
  data::ImageFolder val_set((fs::path(o.data_dir) / "val").string(), eval_transform(o.image_size));
  MT_CHECK(train_set.classes() == val_set.classes(), "the class folders of ", o.data_dir, "/train and ", o.data_dir,
           "/val differ");
  const int64_t num_classes = int64_t(train_set.classes().size());
  MT_CHECK(num_classes >= 2, o.data_dir, "/train has ", num_classes, " class folder; at least 2 are needed");
  // The model file keeps the class names one per line: found now, not after the last epoch.
  for (const std::string& name : train_set.classes())
    MT_CHECK(name.find_first_of("\r\n") == std::string::npos, "the class folder name '", name, "' in ", o.data_dir,
             "/train holds a line break; rename the folder");
  // An earlier run in --out is continued (--resume) or replaced (--overwrite), never mixed with
  // this one's results unnoticed.
  const std::vector<fs::path> earlier = o.resume ? std::vector<fs::path>{} : earlier_run_files(o.out_dir);
  if (!earlier.empty() && !o.overwrite) {
    std::string names;
    for (size_t i = 0; i < earlier.size() && i < 4; ++i) names += (i ? ", " : "") + earlier[i].filename().string();
    if (earlier.size() > 4) names += " and " + std::to_string(earlier.size() - 4) + " more";
    detail::fail(o.out_dir, " holds an earlier run's results (", names, "); continue it with --resume, or pass ",
                 "--overwrite to remove them and start again");
  }

  std::printf("Using device: %s%s\n", device.str().c_str(), o.amp == "bf16" ? " (bf16 autocast)" : "");
  manual_seed(o.seed);
  models::ConvNeXtConfig config = models::ConvNeXtConfig::by_name(o.arch);
  config.num_classes = num_classes;
  models::ConvNeXt model(config);
  if (!o.weights.empty()) {
    try {
      std::printf("%s\n", models::load_convnext_weights(model, models::read_weights_file(o.weights)).message.c_str());
    } catch (const Error& e) {
      detail::fail("--weights ", o.weights, ": ", e.what());
    }
  } else if (!o.resume) {
    std::printf("No --weights given: %s starts from random initialisation\n", o.arch.c_str());
  }
  ensure_writable_dir(o.out_dir, "output");
  for (const fs::path& file : earlier) {
    std::error_code ec;
    fs::remove_all(file, ec);
    MT_CHECK(!ec, "--overwrite: cannot remove ", file.string(), ": ", ec.message());
  }
  ensure_writable_dir(checkpoint_dir(o.out_dir), "checkpoint");  // before an epoch's work, not after it
  model.to(device);  // before the optimizer takes the parameters
  auto optimizer = make_optimizer(o, model.parameters());

  TrainResult result;
  result.weights = o.weights;
  result.classes = train_set.classes();
  int64_t first_epoch = 0;
  if (o.resume) {
    first_epoch = load_run_state(checkpoint_dir(o.out_dir), model, *optimizer, result, o);
  }
  optim::EarlyStopping stopper(o.early_stopping > 0 ? o.early_stopping : 1, 0.0, optim::EarlyStopping::Mode::Max);
  for (const EpochResult& e : result.epochs) stopper.step(e.val_acc);
  // A run that stopped early stays stopped: resuming it would train one more epoch per call.
  MT_CHECK(o.early_stopping == 0 || stopper.bad_epochs() < o.early_stopping, "--resume: the run in ", o.out_dir,
           " has not improved its val accuracy for ", stopper.bad_epochs(), " epochs (best ", stopper.best(),
           " at epoch ", stopper.best_epoch() + 1, "), which --early-stopping ", o.early_stopping,
           " stops at; give a larger --early-stopping, or 0, to train it further");
  if (o.resume) std::printf("Resuming after epoch %lld\n", (long long)first_epoch);
  // On the GPU, batches are loaded into pinned memory and copied without blocking.
  const bool pin = device.is_cuda();
  data::DataLoader train_loader(
      train_set, {.batch_size = o.batch_size, .shuffle = true, .num_workers = o.workers, .seed = o.seed, .pin_memory = pin});
  data::DataLoader val_loader(
      val_set, {.batch_size = o.batch_size, .shuffle = true, .num_workers = o.workers, .seed = o.seed + 1, .pin_memory = pin});

  interrupted = false;
  auto previous_handler = std::signal(SIGINT, on_interrupt);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t epoch = first_epoch; epoch < o.epochs; ++epoch) {
    std::printf("Epoch %lld/%lld\n----------\n", (long long)epoch + 1, (long long)o.epochs);
    std::fflush(stdout);
    EpochResult er;
    er.bf16 = o.amp == "bf16";
    for (const bool training : {true, false}) {
      data::DataLoader& loader = training ? train_loader : val_loader;
      const size_t total = loader.dataset().size();
      Progress bar(training ? "train" : "val", int64_t(total), o.progress && isatty(2));
      double loss_sum = 0;
      int64_t correct = 0, seen = 0;
      model.train(training);
      for (const data::Batch& batch : loader.epoch(epoch)) {
        if (interrupted) break;
        Tensor logits, loss;
        const Tensor inputs = batch.inputs.to(device, pin), targets = batch.labels.to(device, pin);
        AutocastGuard autocast(o.amp == "bf16");  // backward keeps the forward's precision
        if (training) {
          logits = model.forward(inputs);
          loss = cross_entropy(logits, targets);
          optimizer->zero_grad();
          loss.backward();
          optimizer->step();
        } else {
          NoGradGuard no_grad;
          logits = model.forward(inputs);
          loss = cross_entropy(logits, targets);
        }
        const int64_t n = batch.labels.size(0);
        const auto preds = argmax(logits.detach(), 1).to_vector<int64_t>();
        const auto labels = batch.labels.to_vector<int64_t>();
        for (int64_t i = 0; i < n; ++i) {
          correct += preds[size_t(i)] == labels[size_t(i)];
          if (!training) result.predictions.push_back({epoch + 1, preds[size_t(i)], labels[size_t(i)]});
        }
        loss_sum += loss.item() * double(n);
        seen += n;
        bar.update(seen);
      }
      bar.finish();
      if (interrupted) break;
      const double loss_avg = loss_sum / double(total), acc = double(correct) / double(total);
      // A loss of NaN or inf stays so: the weights are already spoilt, and so would every output be.
      MT_CHECK(std::isfinite(loss_avg), "training diverged: the ", training ? "train" : "val", " loss of epoch ",
               epoch + 1, " is ", loss_avg, " (try a lower --lr)",
               epoch > 0 ? "; the checkpoint of the last complete epoch is in " + checkpoint_dir(o.out_dir) : "");
      std::printf("%s Loss: %.4f Acc: %.4f\n", training ? "train" : "val", loss_avg, acc);
      std::fflush(stdout);
      (training ? er.train_loss : er.val_loss) = loss_avg;
      (training ? er.train_acc : er.val_acc) = acc;
    }
    if (interrupted) {
      std::signal(SIGINT, previous_handler);
      if (epoch > 0)
        detail::fail("interrupted during epoch ", epoch + 1, "; the checkpoint of the last complete epoch is in ",
                     checkpoint_dir(o.out_dir), " (continue with --resume)");
      detail::fail("interrupted during epoch 1, before any checkpoint was written");
    }
    result.epochs.push_back(er);
    result.stopped_early = o.early_stopping > 0 && stopper.step(er.val_acc);
    save_run_state(checkpoint_dir(o.out_dir), model, *optimizer, result, epoch + 1, o);
    if (o.resume && epoch == first_epoch) remove_derived_files(o.out_dir);
    if (result.stopped_early) {
      std::printf("Early stopping: val accuracy has not improved for %lld epochs (best %.4f)\n",
                  (long long)o.early_stopping, stopper.best());
      break;
    }
  }
  std::signal(SIGINT, previous_handler);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  models::save_convnext_weights(model_file(o.out_dir), model, o.arch, result.classes,
                                {{kImageSizeKey, std::to_string(o.image_size)}});
  std::printf("Training complete\n");
  return result;
}

}  // namespace faceage
