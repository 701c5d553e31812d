#pragma once
// Step 3 of the tutorial: fine-tune ConvNeXt on the split folders, as the seed's main():
// ImageFolder train/val, Resize((s, s)) + RandomHorizontalFlip + ColorJitter(0.2, 0.2) for train,
// Adam(lr 1e-4), cross-entropy, per epoch a train phase then a val phase, printing
// "Epoch i/N", "train Loss: x Acc: y", "val Loss: x Acc: y".
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "minitorch/data/transforms.hpp"

namespace faceage {

struct TrainOptions {
  std::string data_dir;        // with train/ and val/ class folders
  std::string out_dir;
  std::string weights;         // a checkpoint to start from ("" = random init)
  int64_t epochs = 5;
  int64_t batch_size = 32;
  double lr = 1e-4;
  std::string optimizer = "adam";  // adam | adamw | sgd (momentum 0.9)
  uint64_t seed = 2024;
  int64_t image_size = 224;
  int workers = 4;
  std::string device = "auto";     // auto | cpu | cuda
  std::string amp = "none";        // none | bf16 (autocast: bf16 matrix products, float32 weights)
  std::string arch = "convnext_tiny";
  int64_t early_stopping = 0;      // patience in epochs on val accuracy (0 = off)
  bool resume = false;             // continue from out_dir's checkpoint
  bool overwrite = false;          // start again where out_dir holds an earlier run's files (else an error)
  bool progress = true;            // a progress bar on stderr when it is a terminal
};

struct EpochResult {
  double train_loss = 0, train_acc = 0, val_loss = 0, val_acc = 0;
  bool bf16 = false;  // trained under bf16 autocast (--amp may change when a run is resumed)
};
struct Prediction {
  int64_t epoch = 0, pred = 0, actual = 0;
};
struct TrainResult {
  std::string weights;  // what the run started from ("" = random init), kept across --resume
  std::vector<std::string> classes;
  std::vector<EpochResult> epochs;
  std::vector<Prediction> predictions;  // every val image of every epoch
  double seconds = 0;
  bool stopped_early = false;
};

TrainResult train(const TrainOptions& options);

// The tutorial's evaluation transform: a square resize, ToTensor and the ImageNet normalisation.
// Validation, evaluate, embed and predict of a fine-tuned model all use it.
minitorch::data::transforms::Compose eval_transform(int64_t size);

// The files train writes (names as the tutorial's).
std::string model_file(const std::string& out_dir);       // convnext_finetuned.safetensors
std::string checkpoint_dir(const std::string& out_dir);   // checkpoint/ (for --resume)
// The files of a run that exist in out_dir: train's, embed's and plot's, by their names. A new
// run there needs --overwrite, which removes them before its first epoch. An empty checkpoint/
// (a run stopped in its first epoch) is not counted; one holding files that are not checkpoint
// files is an Error, so that --overwrite never removes a folder of the user's.
std::vector<std::filesystem::path> earlier_run_files(const std::string& out_dir);
// The files embed and plot made from an earlier model in out_dir (features, PCA and t-SNE);
// a resumed run removes them, since its model replaces the one they describe.
std::vector<std::filesystem::path> derived_files(const std::string& out_dir);

}  // namespace faceage
