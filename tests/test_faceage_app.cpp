// The faceage pipeline end to end on a tiny synthetic set, and the command line's handling of bad
// input (one error line, non-zero exit, nothing that looks complete).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "commands.hpp"
#include "files.hpp"
#include "helpers.hpp"
#include "minitorch/data/image.hpp"
#include "minitorch/io/checkpoint.hpp"
#include "minitorch/io/pth.hpp"
#include "minitorch/io/safetensors.hpp"
#include "models/convnext_weights.hpp"
#include "models/imagenet_classes.hpp"
#include "outputs.hpp"
#include "report.hpp"

namespace fs = std::filesystem;
using namespace mt;

namespace {

struct RunResult {
  int status;
  std::string out, err;
};
// Runs the faceage binary; returns its exit status and what it printed on stdout and stderr.
RunResult run(const std::string& args) {
  const std::string out = "/tmp/faceage_test_stdout.txt", err = "/tmp/faceage_test_stderr.txt";
  const int status = std::system((std::string(FACEAGE_BINARY) + " " + args + " >" + out + " 2>" + err).c_str());
  return {WEXITSTATUS(status), file_contents(out), file_contents(err)};
}

// A tiny synthetic set, prepared and split: 6 age groups of 10 images (8 train, 2 val).
std::string make_tiny_split(const fs::path& root) {
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
  return sp.out_dir;
}

// Opens report.html in headless Chromium (Debian's package) and returns how many of its images
// the browser decoded, as "loaded/total", plus a screenshot; "" when Chromium is not installed.
// The check runs in a copy of the page beside the original (so relative image paths resolve)
// with a script that counts, after the load event, the <img> elements with a decoded size.
// Each Chromium run is bounded by timeout(1), so a stuck browser fails the test instead of hanging it.
std::string images_loaded_in_chromium(const fs::path& report, const fs::path& screenshot) {
  const char* browser = nullptr;
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (fs::exists(candidate)) browser = candidate;
  if (!browser) return "";
  std::string html = file_contents(report);
  const size_t body_end = html.rfind("</body>");
  REQUIRE(body_end != std::string::npos);
  html.insert(body_end,
              "<script>window.addEventListener('load', () => { const all = Array.from(document.images);"
              " const ok = all.filter(i => i.complete && i.naturalWidth > 0).length;"
              " document.body.setAttribute('data-images-loaded', ok + '/' + all.length); });</script>");
  const fs::path page = report.parent_path() / "report_browser_check.html";
  std::ofstream(page, std::ios::binary) << html;
  const std::string flags = "timeout 120 " + std::string(browser) +
                            " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
                            " --user-data-dir=" + (report.parent_path() / "chromium-profile").string() +
                            " --allow-file-access-from-files --virtual-time-budget=10000 --window-size=1200,2400 ";
  const fs::path dom = report.parent_path() / "report_dom.html";
  const int dumped = std::system((flags + "--dump-dom file://" + page.string() + " >" + dom.string() + " 2>/dev/null").c_str());
  CHECK(dumped == 0);
  const int shot = std::system(
      (flags + "--screenshot=" + screenshot.string() + " file://" + report.string() + " >/dev/null 2>&1").c_str());
  CHECK(shot == 0);
  const std::string rendered = file_contents(dom);
  const size_t at = rendered.find("data-images-loaded=\"");
  fs::remove(page);
  if (at == std::string::npos) return "no result";
  return rendered.substr(at + 20, rendered.find('"', at + 20) - at - 20);
}

}  // namespace

TEST_CASE("synth -> prepare -> split -> train -> embed -> plot, every output file checked") {
  const fs::path root = fs::temp_directory_path() / "faceage_app_test";
  const std::string split_dir = make_tiny_split(root);
  faceage::TrainOptions t;
  t.data_dir = split_dir;
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
  // Every file train, embed and plot wrote is one that a new run's --overwrite removes.
  const auto known = faceage::earlier_run_files(t.out_dir);
  for (const auto& entry : fs::directory_iterator(out)) {
    CAPTURE(entry.path());
    CHECK(std::find(known.begin(), known.end(), entry.path()) != known.end());
  }
  const std::string bom = "\xEF\xBB\xBF";
  const std::string loss_csv = file_contents(out / "convnext_loss_acc.csv");
  CHECK(loss_csv.rfind(bom + ",train_losses,train_accuracies,val_losses,val_accuracies\n0,", 0) == 0);
  CHECK(std::count(loss_csv.begin(), loss_csv.end(), '\n') == 3);
  const std::string pred_csv = file_contents(out / "pred_acctual.csv");
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
  CHECK(file_contents(out / "convnext_tsne.csv").rfind("x,y,label\n", 0) == 0);
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0) {
    const std::string check = "/usr/bin/python3 -c \"import torch; f, l = torch.load('" +
                              (out / "convnext_val_features.pth").string() +
                              "'); assert f.dtype == torch.float32 and f.shape[1] == 6 and l.dtype == torch.int64\"";
    CHECK(std::system(check.c_str()) == 0);
  } else {
    MESSAGE("SKIPPED: torch.load check (no python3-torch)");
  }

  // report.html (written by train, its projection figures filled in by plot) shows every figure
  // in a real browser.
  const std::string report = file_contents(out / "report.html");
  for (const char* png : {"convnext_loss.png", "convnext_acc.png", "pred_acctual_heatmap.png", "convnext_pca.png",
                          "convnext_tsne.png"})
    CHECK(report.find(std::string("<img src=\"") + png + "\"") != std::string::npos);
  CHECK(report.find("not drawn yet") == std::string::npos);
  const std::string loaded = images_loaded_in_chromium(out / "report.html", root / "report.png");
  if (loaded.empty()) {
    MESSAGE("SKIPPED: report.html in headless Chromium (apt-get install chromium)");
  } else {
    CHECK(loaded == "5/5");
    const Tensor screenshot = data::read_image((root / "report.png").string());
    CHECK(screenshot.size(0) == 2400);  // [H, W, C]
    CHECK(screenshot.size(1) == 1200);
    CHECK(amax(screenshot).item() > amin(screenshot).item());
  }

  // predict names the classes the model was trained on (saved in the checkpoint's metadata).
  const fs::path image = *fs::directory_iterator(fs::path(split_dir) / "val" / "30s");
  const auto [text_status, text, text_err] = run("predict --topk 6 --image-size 32 --weights " + e.checkpoint + " " + image.string());
  CHECK(text_status == 0);
  CHECK(text.rfind(image.string() + "\n", 0) == 0);
  for (const char* group : {"10s", "20s", "30s", "40s", "50s", "60s"}) CHECK(text.find(std::string("  ") + group + "\n") != std::string::npos);
  const auto [json_status, json, json_err] = run("predict --json --topk 2 --image-size 32 --device cpu --weights " + e.checkpoint + " " + image.string());
  CHECK(json_status == 0);
  CHECK(json.rfind("{\"image\":\"" + image.string() + "\",\"topk\":[{\"class\":", 0) == 0);
  CHECK(json.find("\"name\":\"") != std::string::npos);
  CHECK(std::count(json.begin(), json.end(), '\n') == 1);

  // The model file records the size it was trained at, which evaluate, embed and predict use
  // when --image-size is not given; another size is taken, with a note.
  SafetensorsMetadata meta;
  load_safetensors(e.checkpoint, &meta);
  CHECK(meta.at("image_size") == "32");
  const auto evaluated = run("evaluate --data " + split_dir + " --checkpoint " + e.checkpoint);
  CHECK(evaluated.status == 0);
  CHECK(evaluated.out.rfind("accuracy: ", 0) == 0);
  CHECK(evaluated.err.find("note:") == std::string::npos);
  const auto at_64 = run("evaluate --image-size 64 --data " + split_dir + " --checkpoint " + e.checkpoint);
  CHECK(at_64.status == 0);
  CHECK(at_64.err.find("note: the model was trained on 32x32 images; --image-size gives 64x64") != std::string::npos);
  // Class folders other than the model's (renamed here) are an error, not a meaningless accuracy.
  const fs::path renamed = root / "renamed";
  fs::copy(split_dir, renamed, fs::copy_options::recursive);
  fs::rename(renamed / "val" / "10s", renamed / "val" / "teens");
  const auto wrong_classes = run("evaluate --data " + renamed.string() + " --checkpoint " + e.checkpoint);
  CHECK(wrong_classes.status == 1);
  CHECK(wrong_classes.err.find("are not the classes the model was trained on (10s, 20s, 30s, 40s, 50s, 60s)") !=
        std::string::npos);
  // embed wrote the class names beside the features, and plot named its legend with them.
  for (const char* split : {"train", "val"})
    CHECK(file_contents(out / (std::string("convnext_") + split + "_features.classes.txt")) == "10s\n20s\n30s\n40s\n50s\n60s\n");

  // --resume continues from the checkpoint: one more epoch on top of the two, this one under
  // bf16 autocast (--amp bf16), which needs nothing from the checkpoint.
  t.epochs = 3;
  t.resume = true;
  t.amp = "bf16";
  const faceage::TrainResult resumed = faceage::train(t);
  CHECK(resumed.epochs.size() == 3);
  CHECK(resumed.epochs[0].train_loss == r.epochs[0].train_loss);
  CHECK(std::isfinite(resumed.epochs[2].train_loss));
  CHECK(std::isfinite(resumed.epochs[2].val_loss));
  CHECK((!resumed.epochs[0].bf16 && !resumed.epochs[1].bf16 && resumed.epochs[2].bf16));  // each epoch's own
  // embed's features and plot's figures described the model the resumed run replaced.
  CHECK_FALSE(fs::exists(out / "convnext_train_features.pth"));
  CHECK_FALSE(fs::exists(out / "convnext_tsne.png"));
  // A resumed run goes on as it started, and only forward.
  t.epochs = 3;
  CHECK_THROWS_WITH_FRAGMENT(faceage::train(t), "has already done 3 epochs; give --epochs above 3");
  t.epochs = 4;
  t.image_size = 48;
  CHECK_THROWS_WITH_FRAGMENT(faceage::train(t), "was trained with --image-size 32, not 48");
  t.image_size = 32;
  t.arch = "convnext_femto";
  CHECK_THROWS_WITH_FRAGMENT(faceage::train(t), "was trained with --arch convnext_atto, not convnext_femto");
  t.arch = "convnext_atto";
  t.optimizer = "sgd";
  CHECK_THROWS_WITH_FRAGMENT(faceage::train(t), "was trained with --optimizer adam, not sgd");
  t.optimizer = "adam";
  t.lr = 1e-3;
  CHECK_THROWS_WITH_FRAGMENT(faceage::train(t), "was trained with --lr 0.0001, not 0.001");
  t.lr = 1e-4;
  t.batch_size = 4;
  CHECK_THROWS_WITH_FRAGMENT(faceage::train(t), "was trained with --batch-size 8, not 4");
  t.batch_size = 8;
  {  // A run that stopped early stays stopped (its history rewritten here: val accuracy falling).
    TrainingState state = load_checkpoint(faceage::checkpoint_dir(t.out_dir));
    state.metrics["val_acc"] = {0.5, 0.4, 0.3};
    save_checkpoint(faceage::checkpoint_dir(t.out_dir), state);
  }
  t.early_stopping = 2;
  std::ofstream(out / "convnext_pca.csv") << "x,y,label\n";  // as plot leaves it
  CHECK_THROWS_WITH_FRAGMENT(faceage::train(t), "has not improved its val accuracy for 2 epochs (best 0.5 at epoch 1)");
  CHECK(fs::exists(out / "convnext_pca.csv"));  // a refused resume removes nothing
  fs::remove(out / "convnext_pca.csv");
  t.early_stopping = 0;
  // plot's legend names: an empty one is an error naming the option.
  const auto empty_name = run("plot --features " + po.features + " --out " + t.out_dir + " --classes a,,c,d,e,f");
  CHECK(empty_name.status == 1);
  CHECK(empty_name.err.find("--classes: name 2 is empty") != std::string::npos);
  // Without --resume, the earlier run's results are an error, or replaced with --overwrite.
  t.resume = false;
  t.amp = "none";
  t.epochs = 1;
  CHECK_THROWS_WITH_FRAGMENT(faceage::train(t), "holds an earlier run's results");
  t.overwrite = true;
  t.resume = true;
  CHECK_THROWS_WITH_FRAGMENT(faceage::train(t), "not both");
  t.resume = false;
  t.data_dir = (root / "absent").string();  // bad data: the earlier checkpoint survives the error
  CHECK_THROWS(faceage::train(t));
  CHECK(load_checkpoint(faceage::checkpoint_dir(t.out_dir)).epoch == 3);
  t.data_dir = split_dir;
  CHECK(faceage::train(t).epochs.size() == 1);
  CHECK(load_checkpoint(faceage::checkpoint_dir(t.out_dir)).epoch == 1);
  CHECK_FALSE(fs::exists(out / "convnext_train_features.pth"));  // the earlier run's, removed
  CHECK_FALSE(fs::exists(out / "convnext_tsne.png"));
  // Weights of another architecture name both.
  const auto femto = run("train --data " + split_dir + " --out " + (root / "femto").string() +
                         " --arch convnext_femto --image-size 32 --epochs 1 --weights " + e.checkpoint);
  CHECK(femto.status == 1);
  CHECK(femto.err.find("--weights " + e.checkpoint + ": convnext weights: the checkpoint is convnext_atto (depths "
                       "2-2-6-2, widths 40-80-160-320), the model is convnext_femto") != std::string::npos);
  CHECK(std::count(femto.err.begin(), femto.err.end(), '\n') == 1);
  // --resume without a checkpoint creates nothing; an empty checkpoint folder (a run stopped in its
  // first epoch) does not block a new run, and a file of the user's in it is never removed.
  const fs::path fresh = root / "fresh";
  const auto no_checkpoint = run("train --data " + split_dir + " --out " + fresh.string() + " --resume");
  CHECK(no_checkpoint.status == 1);
  CHECK(no_checkpoint.err.find("--resume: no checkpoint in " + (fresh / "checkpoint").string()) != std::string::npos);
  CHECK_FALSE(fs::exists(fresh));
  fs::create_directories(fresh / "checkpoint");
  CHECK(faceage::earlier_run_files(fresh.string()).empty());
  for (const char* mine : {"notes.txt", "checkpoint.json.bak"}) {
    std::ofstream(fresh / "checkpoint" / mine) << "mine";
    CHECK_THROWS_WITH_FRAGMENT(faceage::earlier_run_files(fresh.string()),
                               std::string("holds ") + mine + ", which faceage train did not");
    fs::remove(fresh / "checkpoint" / mine);
  }

  // A diverging run stops with the reason instead of writing NaN curves.
  const auto diverged = run("train --data " + split_dir + " --out " + (root / "diverged").string() +
                            " --arch convnext_atto --image-size 32 --epochs 2 --batch-size 8 --workers 1"
                            " --optimizer sgd --lr 1e30");
  CHECK(diverged.status == 1);
  CHECK(diverged.err.find("faceage: error: training diverged: the train loss of epoch 1 is ") == 0);
  CHECK(diverged.err.find("(try a lower --lr)") != std::string::npos);
  CHECK_FALSE(fs::exists(root / "diverged" / "metrics.json"));
  fs::remove_all(root);
}

TEST_CASE("bad input: one clear error line and a non-zero exit") {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"train --data /nonexistent --out /tmp/faceage_bad", "/nonexistent"},
      {"split --in /tmp/faceage_none --out /tmp/faceage_bad --val-fraction 1.5", "--val-fraction must be between 0 and 1"},
      {"prepare --images /tmp --out /tmp/faceage_bad", "give --meta"},
      {"prepare --meta /nonexistent.mat --images /tmp --out /tmp/faceage_bad", "nonexistent.mat"},
      {"plot --features /nonexistent.pth --out /tmp/faceage_bad", "nonexistent.pth"},
      {"predict --weights /nonexistent.safetensors x.png", "nonexistent.safetensors"},
      {"train --data /tmp --out /tmp/faceage_bad --device tpu", "--device must be auto, cpu or cuda"},
      {"train --data /tmp --out /tmp/faceage_bad --amp fp16", "--amp must be none or bf16"},
      {"embed --data /tmp --checkpoint x.safetensors --out /tmp/faceage_bad --device tpu", "--device must be auto"},
      {"evaluate --data /tmp --checkpoint x.safetensors --device gpu0", "--device must be auto, cpu or cuda"},
      {"predict --weights x.safetensors --device cuda:0 x.png", "--device must be auto, cpu or cuda"},
      {"synth --out /proc/faceage", "proc"},
      {"frobnicate", "unknown command 'frobnicate' (expected one of synth, prepare, split"},
      {"plot --features /tmp --out /tmp/faceage_bad", "'/tmp' is a folder (expected a file)"},
      {"prepare --csv /tmp --images /tmp --out /tmp/faceage_bad", "--csv /tmp is a folder"},
      {"predict --weights " + std::string(MINITORCH_FIXTURES) + "/data/photo_250.jpg x.png",
       "is neither a torch.save archive (.pth, a zip file) nor a readable safetensors file"},
  };
  if (!cuda::is_available()) {
    cases.push_back({"train --data /tmp --out /tmp/faceage_bad --device cuda", "--device cuda: no CUDA device"});
    cases.push_back({"evaluate --data /tmp --checkpoint x.safetensors --device cuda", "--device cuda: no CUDA device"});
  }
  for (const auto& [args, fragment] : cases) {
    CAPTURE(args);
    const auto [status, out, err] = run(args);
    CHECK(status != 0);
    CHECK(err.find(fragment) != std::string::npos);
    CHECK(err.find("faceage: error: ") == 0);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  }
  CHECK(run("train").status != 0);  // missing required options: CLI11's usage error
  // The demo replaces only its own earlier results: a folder holding anything else is refused.
  const fs::path user_dir = fs::temp_directory_path() / "faceage_demo_refused";
  fs::create_directories(user_dir / "data" / "sorted_images");
  std::ofstream(user_dir / "data" / "sorted_images" / "notes.txt") << "the user's";
  const auto demo = run("demo --out " + user_dir.string());
  CHECK(demo.status == 1);
  CHECK(demo.err.find("holds files that faceage demo did not write") != std::string::npos);
  CHECK(fs::exists(user_dir / "data" / "sorted_images" / "notes.txt"));
  fs::remove_all(user_dir);
  // Numbers out of range are CLI11's errors naming the option, never wrapped or clamped.
  for (const char* args : {"train --data /tmp --out /tmp/faceage_bad --seed -5",
                           "train --data /tmp --out /tmp/faceage_bad --epochs 99999999999999999999",
                           "train --data /tmp --out /tmp/faceage_bad --batch-size 0",
                           "train --data /tmp --out /tmp/faceage_bad --epochs 0",
                           "train --data /tmp --out /tmp/faceage_bad --seed 99999999999999999999",
                           "evaluate --data /tmp --checkpoint x.safetensors --image-size 3",
                           "synth --out /tmp/faceage_bad --seed -1"}) {
    CAPTURE(args);
    const auto [status, out, err] = run(args);
    CHECK(status != 0);
    const std::string option = std::string(args).substr(std::string(args).rfind("--"));
    CHECK(err.find(option.substr(0, option.find(' '))) == 0);
  }
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

TEST_CASE("predict with an ImageNet checkpoint prints ImageNet class names") {
  const fs::path dir = fs::temp_directory_path() / "faceage_predict_imagenet";
  fs::create_directories(dir);
  models::ConvNeXtConfig config = models::ConvNeXtConfig::by_name("convnext_atto");
  config.num_classes = 1000;
  manual_seed(5);
  const models::ConvNeXt model(config);
  const std::string weights = (dir / "atto_imagenet.safetensors").string();
  models::save_convnext_weights(weights, model, "convnext_atto");  // no class names: ImageNet's are used
  const std::string image = std::string(MINITORCH_FIXTURES) + "/data/photo_250.jpg";
  const auto [status, json, err] = run("predict --json --topk 3 --weights " + weights + " " + image);
  REQUIRE(status == 0);
  // Every printed class carries the ImageNet name of its index.
  size_t at = 0, printed = 0;
  while ((at = json.find("{\"class\":", at)) != std::string::npos) {
    at += 9;
    const int64_t index = std::stoll(json.substr(at));
    const std::string name = std::string("\"name\":\"") + models::imagenet_classes()[size_t(index)] + "\"";
    CHECK(json.find(name, at) != std::string::npos);
    ++printed;
  }
  CHECK(printed == 3);
  fs::remove_all(dir);
}

TEST_CASE("Ctrl-C during training leaves a checkpoint that --resume continues from") {
  const fs::path root = fs::temp_directory_path() / "faceage_interrupt_test";
  const std::string split_dir = make_tiny_split(root);
  const fs::path out = root / "result";
  const std::string common = "train --data " + split_dir + " --out " + out.string() +
                             " --arch convnext_atto --image-size 32 --batch-size 8 --workers 1";
  // Start a long run, wait for the first epoch's checkpoint, then send SIGINT as a terminal does.
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string command = std::string("exec ") + FACEAGE_BINARY + " " + common + " --epochs 1000 >" +
                                (root / "first.out").string() + " 2>" + (root / "first.err").string();
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const fs::path manifest = out / "checkpoint" / "checkpoint.json";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(manifest) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const bool checkpoint_written = fs::exists(manifest);
  kill(pid, SIGINT);
  int status = 0;
  const auto exit_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > exit_deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL("faceage train did not stop within 60 s of SIGINT");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(checkpoint_written);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  const std::string err = file_contents(root / "first.err");
  CAPTURE(err);
  CHECK(err.find("faceage: error: interrupted during epoch ") == 0);
  CHECK(err.find("continue with --resume") != std::string::npos);
  // Nothing that looks like a finished run.
  CHECK_FALSE(fs::exists(out / "metrics.json"));
  CHECK_FALSE(fs::exists(faceage::model_file(out.string())));

  const int64_t done = load_checkpoint((out / "checkpoint").string()).epoch;
  CHECK(done >= 1);
  const auto [resumed_status, resumed, resumed_err] = run(common + " --resume --epochs " + std::to_string(done + 1));
  CAPTURE(resumed);
  CHECK(resumed_status == 0);
  CHECK(resumed.find("Resuming after epoch " + std::to_string(done) + "\n") != std::string::npos);
  CHECK(resumed.find("Epoch " + std::to_string(done + 1) + "/" + std::to_string(done + 1) + "\n") != std::string::npos);
  CHECK(resumed.find("Epoch 1/") == std::string::npos);
  CHECK(fs::exists(out / "metrics.json"));
  const std::string loss_csv = file_contents(out / "convnext_loss_acc.csv");
  CHECK(std::count(loss_csv.begin(), loss_csv.end(), '\n') == done + 2);  // header + one row per epoch
  fs::remove_all(root);
}
