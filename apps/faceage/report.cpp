#include "report.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>

#include "commands.hpp"
#include "files.hpp"
#include "outputs.hpp"
#include "plots.hpp"

namespace faceage {

void write_training_plots(const TrainResult& r, const std::string& out_dir) {
  const fs::path out(out_dir);
  std::vector<double> tl, ta, vl, va;
  for (const EpochResult& e : r.epochs) {
    tl.push_back(e.train_loss), ta.push_back(e.train_acc), vl.push_back(e.val_loss), va.push_back(e.val_acc);
  }
  line_plot((out / "convnext_loss.png").string(), "Losses", "Epoch", "Losses",
            {{"train_losses", kRed, tl}, {"val_losses", kBlue, vl}});
  line_plot((out / "convnext_acc.png").string(), "Accuracies", "Epoch", "Accuracies",
            {{"train_accuracies", kRed, ta}, {"val_accuracies", kBlue, va}});
  heatmap((out / "pred_acctual_heatmap.png").string(), "", normalize_columns(last_epoch_confusion(r)), r.classes,
          r.classes, "acctual", "pred");
}

namespace {
std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}
constexpr const char* kReportFigures[] = {"convnext_loss.png", "convnext_acc.png", "pred_acctual_heatmap.png",
                                          "convnext_pca.png", "convnext_tsne.png"};

constexpr std::string_view kFigureEnd = "<!--/figure-->";
std::string figure_start(const std::string& name) { return "<!--figure:" + name + "-->"; }

// One figure of the report between markers, so that `plot` can fill in the projections later:
// the image when its file exists, else a line saying which command draws it.
std::string figure_html(const std::string& out_dir, const std::string& name) {
  const std::string open = figure_start(name), close(kFigureEnd);
  if (fs::exists(fs::path(out_dir) / name))
    return open + "<figure><img src=\"" + name + "\" alt=\"" + name + "\"><figcaption>" + name +
           "</figcaption></figure>" + close;
  return open + "<p>" + name + ": not drawn yet (run faceage embed, then faceage plot with --out this folder)</p>" +
         close;
}

}  // namespace

void refresh_report_figures(const std::string& out_dir) {
  const fs::path path = fs::path(out_dir) / "report.html";
  if (!fs::exists(path)) return;
  std::ifstream in(path, std::ios::binary);
  std::string html((std::istreambuf_iterator<char>(in)), {});
  for (const char* f : kReportFigures) {
    const size_t begin = html.find(figure_start(f));
    const size_t end = begin == std::string::npos ? begin : html.find(kFigureEnd, begin);
    if (end == std::string::npos) continue;  // not a report of ours: leave it alone
    html.replace(begin, end + kFigureEnd.size() - begin, figure_html(out_dir, f));
  }
  write_text_atomic(path.string(), html);
}

void write_report_html(const std::string& out_dir, const TrainResult& r, const TrainOptions& o,
                       const std::vector<StepTiming>& timings) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>faceage report</title>\n"
       "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
       "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
       "figure{display:inline-block;margin:8px}img{max-width:520px;border:1px solid #eee}</style></head><body>\n";
  h << "<h1>faceage: ConvNeXt age groups</h1>\n";
  h << "<p>Classes: " << html_escape([&] {
    std::string s;
    for (const auto& c : r.classes) s += (s.empty() ? "" : ", ") + c;
    return s;
  }());
  char chance[32];
  std::snprintf(chance, sizeof chance, "%.3f", 1.0 / double(std::max<size_t>(1, r.classes.size())));
  h << ". Chance level: " << chance << ".</p>\n";
  h << "<h2>Per epoch</h2>\n<table><tr><th>epoch</th><th>train loss</th><th>train acc</th><th>val loss</th>"
       "<th>val acc</th><th>autocast</th></tr>\n";
  for (size_t i = 0; i < r.epochs.size(); ++i) {
    const EpochResult& e = r.epochs[i];
    char row[256];
    std::snprintf(row, sizeof row,
                  "<tr><td>%zu</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%s</td></tr>\n", i + 1,
                  e.train_loss, e.train_acc, e.val_loss, e.val_acc, e.bf16 ? "bf16" : "none");
    h << row;
  }
  h << "</table>\n<h2>Figures</h2>\n";
  for (const char* f : kReportFigures) h << figure_html(out_dir, f) << "\n";
  h << "<h2>Settings</h2>\n<table>\n";
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"architecture", o.arch}, {"weights", r.weights.empty() ? "random initialisation" : r.weights},
      {"epochs", std::to_string(o.epochs)}, {"batch size", std::to_string(o.batch_size)},
      {"learning rate", python_float(o.lr)}, {"optimizer", o.optimizer}, {"image size", std::to_string(o.image_size)},
      {"seed", std::to_string(o.seed)}, {"loader workers", std::to_string(o.workers)},
      {"early stopping", o.early_stopping > 0 ? "patience " + std::to_string(o.early_stopping) + " epochs" : "off"}};
  for (const auto& [k, v] : settings) h << "<tr><th>" << k << "</th><td>" << html_escape(v) << "</td></tr>\n";
  h << "</table>\n<h2>Timings</h2>\n<table>\n";
  for (const StepTiming& t : timings) {
    char row[256];
    std::snprintf(row, sizeof row, "<tr><th>%s</th><td>%.1f s</td></tr>\n", html_escape(t.step).c_str(), t.seconds);
    h << row;
  }
  h << "</table>\n</body></html>\n";
  write_text_atomic((fs::path(out_dir) / "report.html").string(), h.str());
}

int run_demo(const std::string& out_dir) {
  const fs::path root(out_dir);
  std::vector<StepTiming> timings;
  auto timed = [&](const char* step, auto&& fn) {
    std::printf("== %s\n", step);
    std::fflush(stdout);
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    timings.push_back({step, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()});
  };
  // The demo owns its --out: it replaces its own earlier results there (DIR/.faceage-demo marks
  // them), and refuses a folder holding anything else, such as the real data's layout.
  const fs::path marker = root / ".faceage-demo";
  std::error_code ec;
  MT_CHECK(!fs::exists(root, ec) || !fs::is_directory(root, ec) || fs::is_empty(root, ec) || fs::exists(marker, ec),
           "demo: ", root.string(), " holds files that faceage demo did not write; choose another --out (a new or ",
           "empty folder, or an earlier demo's)");
  ensure_writable_dir(root, "demo");
  write_text_atomic(marker, "written by faceage demo\n");
  const fs::path data = root / "data", result = root / "result";
  timed("synth", [&] {
    SynthOptions s;
    s.out_dir = (data / "synthetic").string();
    s.identities = 36;
    s.per_identity = 30;
    s.size = 128;
    s.seed = 7;
    write_synthetic_cacd(s);
  });
  timed("prepare", [&] {
    PrepareOptions p;
    p.images_dir = (data / "synthetic" / "CACD2000").string();
    p.out_dir = (data / "sorted_images").string();
    p.per_group = 180;
    p.seed = 0;
    p.link = true;
    p.overwrite = true;  // the demo's own folder
    const PrepareReport r = prepare(read_mat_labels((data / "synthetic" / "celebrity2000_meta.mat").string()), p);
    for (const auto& [group, n] : r.groups) std::printf("%s: %lld images\n", group.c_str(), (long long)n);
  });
  timed("split", [&] {
    SplitOptions s;
    s.in_dir = (data / "sorted_images").string();
    s.out_dir = (data / "sorted_images_split").string();
    s.link = true;
    s.overwrite = true;
    for (const auto& [name, sizes] : split(s))
      std::printf("%s: %lld train, %lld val\n", name.c_str(), (long long)sizes.first, (long long)sizes.second);
  });
  TrainOptions t;
  t.data_dir = (data / "sorted_images_split").string();
  t.out_dir = result.string();
  t.arch = "convnext_atto";
  t.image_size = 64;
  t.epochs = 8;
  t.batch_size = 32;
  t.lr = 2e-3;
  t.optimizer = "adamw";
  t.workers = 2;
  t.overwrite = true;  // the demo's own folder: a demo run replaces the last one's results
  TrainResult trained;
  timed("train", [&] {
    trained = train(t);
    write_training_outputs(trained, t);
  });
  timed("embed", [&] {
    EmbedOptions e;
    e.data_dir = t.data_dir;
    e.checkpoint = model_file(t.out_dir);
    e.out_dir = t.out_dir;
    embed(e);
  });
  timed("plot", [&] {
    PlotOptions p;
    p.features = (result / "convnext_train_features.pth").string();
    p.out_dir = t.out_dir;
    plot_features(p);
  });
  write_report_html(t.out_dir, trained, t, timings);
  write_metrics_json((result / "metrics.json").string(), trained, t);
  const double chance = 1.0 / double(trained.classes.size());
  std::printf("\nDemo complete: validation accuracy %.3f after %lld epochs (chance %.3f).\n",
              trained.epochs.back().val_acc, (long long)trained.epochs.size(), chance);
  std::printf("Results: %s (open report.html)\n", fs::absolute(result).string().c_str());
  std::printf("\nThe full tutorial configuration, on the real CACD data and torchvision's weights:\n"
              "  faceage prepare --meta data/celebrity2000_meta.mat --images data/CACD2000 --out data/sorted_images\n"
              "  faceage split --in data/sorted_images --out data/sorted_images_split\n"
              "  faceage train --data data/sorted_images_split --out data/result --weights convnext_tiny-983f1562.pth\n"
              "  faceage embed --data data/sorted_images_split --checkpoint data/result/convnext_finetuned.safetensors"
              " --out data/result\n"
              "  faceage plot --features data/result/convnext_train_features.pth --out data/result\n");
  return trained.epochs.back().val_acc > 1.5 * chance ? 0 : 1;
}

}  // namespace faceage
