// The faceage pipeline end to end on a tiny synthetic set, and the command line's handling of bad
// input (one error line, non-zero exit, nothing that looks complete).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "commands.hpp"
#include "files.hpp"
#include "helpers.hpp"
#include "minitorch/data/image.hpp"
#include "minitorch/io/pth.hpp"
#include "outputs.hpp"
#include "report.hpp"

namespace fs = std::filesystem;
using namespace mt;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs the faceage binary; returns its exit status and what it printed on stderr.
std::pair<int, std::string> run(const std::string& args) {
  const std::string err = "/tmp/faceage_test_stderr.txt";
  const int status = std::system((std::string(FACEAGE_BINARY) + " " + args + " >/dev/null 2>" + err).c_str());
  return {WEXITSTATUS(status), read_all(err)};
}

}  // namespace

TEST_CASE("synth -> prepare -> split -> train -> embed -> plot, every output file checked") {
  const fs::path root = fs::temp_directory_path() / "faceage_app_test";
  fs::remove_all(root);
  faceage::SynthOptions s;
  s.out_dir = (root / "synth").string();
  s.identities = 12;
  s.per_identity = 4;
  s.size = 48;
  s.seed = 3;
  faceage::write_synthetic_cacd(s);

  faceage::PrepareOptions p;
  p.images_dir = (root / "synth" / "CACD2000").string();
  p.out_dir = (root / "sorted").string();
  p.per_group = 10;
  const auto report = faceage::prepare(faceage::read_mat_labels((root / "synth" / "celebrity2000_meta.mat").string()), p);
  CHECK(report.groups.size() == 6);

  faceage::SplitOptions sp;
  sp.in_dir = p.out_dir;
  sp.out_dir = (root / "split").string();
  for (const auto& [name, sizes] : faceage::split(sp)) CHECK(sizes.second == (sizes.first + sizes.second + 4) / 5);

  faceage::TrainOptions t;
  t.data_dir = sp.out_dir;
  t.out_dir = (root / "result").string();
  t.arch = "convnext_atto";
  t.image_size = 32;
  t.epochs = 2;
  t.batch_size = 8;
  t.workers = 1;
  t.progress = false;
  const faceage::TrainResult r = faceage::train(t);
  CHECK(r.epochs.size() == 2);
  faceage::write_training_outputs(r, t);

  faceage::EmbedOptions e;
  e.data_dir = t.data_dir;
  e.checkpoint = faceage::model_file(t.out_dir);
  e.out_dir = t.out_dir;
  e.image_size = 32;
  faceage::embed(e);
  faceage::PlotOptions po;
  po.features = (fs::path(t.out_dir) / "convnext_train_features.pth").string();
  po.out_dir = t.out_dir;
  faceage::plot_features(po);

  const fs::path out(t.out_dir);
  const std::string bom = "\xEF\xBB\xBF";
  const std::string loss_csv = read_all(out / "convnext_loss_acc.csv");
  CHECK(loss_csv.rfind(bom + ",train_losses,train_accuracies,val_losses,val_accuracies\n0,", 0) == 0);
  CHECK(std::count(loss_csv.begin(), loss_csv.end(), '\n') == 3);
  const std::string pred_csv = read_all(out / "pred_acctual.csv");
  CHECK(pred_csv.rfind(bom + ",epoch,pred,acctual\n0,1,", 0) == 0);
  for (const char* png : {"convnext_loss.png", "convnext_acc.png", "pred_acctual_heatmap.png", "convnext_pca.png",
                          "convnext_tsne.png"}) {
    CAPTURE(png);
    const Tensor image = data::read_image((out / png).string());
    CHECK(image.size(0) > 100);
    CHECK(amax(image).item() > amin(image).item());  // not blank
  }
  for (const char* split : {"train", "val"}) {
    const StateDict f = load_pth((out / (std::string("convnext_") + split + "_features.pth")).string());
    CHECK(f.at("0").dtype() == kFloat32);
    CHECK(f.at("0").size(1) == 6);
    CHECK(f.at("1").dtype() == kInt64);
    CHECK(f.at("1").size(0) == f.at("0").size(0));
  }
  CHECK(read_all(out / "convnext_tsne.csv").rfind("x,y,label\n", 0) == 0);
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0) {
    const std::string check = "/usr/bin/python3 -c \"import torch; f, l = torch.load('" +
                              (out / "convnext_val_features.pth").string() +
                              "'); assert f.dtype == torch.float32 and f.shape[1] == 6 and l.dtype == torch.int64\"";
    CHECK(std::system(check.c_str()) == 0);
  } else {
    MESSAGE("SKIPPED: torch.load check (no python3-torch)");
  }

  // --resume continues from the checkpoint: one more epoch on top of the two.
  t.epochs = 3;
  t.resume = true;
  const faceage::TrainResult resumed = faceage::train(t);
  CHECK(resumed.epochs.size() == 3);
  CHECK(resumed.epochs[0].train_loss == r.epochs[0].train_loss);
  fs::remove_all(root);
}

TEST_CASE("bad input: one clear error line and a non-zero exit") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"train --data /nonexistent --out /tmp/faceage_bad", "/nonexistent"},
      {"train --data /tmp --out /tmp/faceage_bad --epochs 0", "--epochs must be at least 1"},
      {"split --in /tmp/faceage_none --out /tmp/faceage_bad --val-fraction 1.5", "--val-fraction must be between 0 and 1"},
      {"prepare --images /tmp --out /tmp/faceage_bad", "give --meta"},
      {"prepare --meta /nonexistent.mat --images /tmp --out /tmp/faceage_bad", "nonexistent.mat"},
      {"plot --features /nonexistent.pth --out /tmp/faceage_bad", "nonexistent.pth"},
      {"predict --weights /nonexistent.safetensors x.png", "nonexistent.safetensors"},
      {"train --data /tmp --out /tmp/faceage_bad --device tpu", "--device must be auto, cpu or cuda"},
      {"synth --out /proc/faceage", "proc"},
  };
  for (const auto& [args, fragment] : cases) {
    CAPTURE(args);
    const auto [status, err] = run(args);
    CHECK(status != 0);
    CHECK(err.find(fragment) != std::string::npos);
    CHECK(err.find("faceage: error: ") == 0);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  }
  CHECK(run("train").first != 0);  // missing required options: CLI11's usage error
}

TEST_CASE("floats in the CSVs are written as Python's repr, as pandas does") {
  CHECK(faceage::python_float(0.1) == "0.1");
  CHECK(faceage::python_float(1.0) == "1.0");
  CHECK(faceage::python_float(1e-05) == "1e-05");
  CHECK(faceage::python_float(0.0001) == "0.0001");
  CHECK(faceage::python_float(1e16) == "1e+16");
  CHECK(faceage::python_float(123456789.0) == "123456789.0");
  CHECK(faceage::python_float(double(0.45f)) == "0.44999998807907104");
  CHECK(faceage::python_float(-2.5) == "-2.5");
  CHECK(faceage::python_float(1.2345e-7) == "1.2345e-07");
}
