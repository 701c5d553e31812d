// faceage plot: PCA and t-SNE of saved features (the tutorial's plot_pca and plot_tsne), with the
// 2-D coordinates written as CSV beside the images.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "commands.hpp"
#include "embed.hpp"
#include "files.hpp"
#include "minitorch/io/pth.hpp"
#include "outputs.hpp"
#include "plots.hpp"
#include "projection.hpp"
#include "report.hpp"

namespace faceage {

using namespace minitorch;

namespace {

void write_coordinates(const std::string& path, const std::vector<std::array<double, 2>>& points,
                       const std::vector<int>& labels) {
  std::ostringstream out;
  out << "x,y,label\n";
  for (size_t i = 0; i < points.size(); ++i)
    out << python_float(points[i][0]) << "," << python_float(points[i][1]) << "," << labels[i] << "\n";
  write_text_atomic(path, out.str());
}

}  // namespace

void plot_features(const PlotOptions& o) {
  StateDict saved;
  try {
    saved = load_pth(o.features);
  } catch (const Error& e) {
    detail::fail("--features ", o.features, ": ", e.what());
  }
  MT_CHECK(saved.contains("0") && saved.contains("1"), o.features,
           ": expected a tuple (features, labels) as faceage embed and the tutorial save");
  const Tensor features = saved.at("0").to(kFloat64), labels_t = saved.at("1");
  MT_CHECK(features.dim() == 2 && labels_t.dim() == 1 && labels_t.size(0) == features.size(0), o.features,
           ": features must be [N, D] and labels [N], got ", shape_str(features.shape()), " and ",
           shape_str(labels_t.shape()));
  MT_CHECK(features.size(0) >= 5, o.features, ": ", features.size(0), " samples are too few to plot (need 5)");
  MT_CHECK(features.size(1) >= 2, o.features, ": the features have ", features.size(1), " dimension",
           features.size(1) == 1 ? "" : "s", "; two projected components need at least 2");
  MT_CHECK(is_floating(saved.at("0").dtype()) && !is_floating(labels_t.dtype()), o.features,
           ": expected floating features and integer labels, got ", dtype_name(saved.at("0").dtype()), " and ",
           dtype_name(labels_t.dtype()));
  const auto values = features.to_vector<double>();
  for (size_t i = 0; i < values.size(); ++i)
    MT_CHECK(std::isfinite(values[i]), o.features, ": feature [", int64_t(i) / features.size(1), ", ",
             int64_t(i) % features.size(1), "] is ", values[i], " (the model that made them diverged?)");
  std::vector<int> labels;
  int max_label = 0;
  const auto label_values = labels_t.to_vector<int64_t>();
  for (size_t i = 0; i < label_values.size(); ++i) {
    const int64_t v = label_values[i];
    MT_CHECK(v >= 0 && v < 1000000, o.features, ": label ", i, " is ", v, " (expected a class index from 0)");
    labels.push_back(int(v));
    max_label = std::max(max_label, int(v));
  }
  ensure_writable_dir(o.out_dir, "output");
  // The legend's names: --classes, else those faceage embed wrote beside the features
  // (<features>.classes.txt), else the tutorial's age groups (its features files carry no names).
  std::vector<std::string> names = o.class_names;
  if (names.empty()) names = read_class_names(o.features);
  if (names.empty())
    for (int k = 0; k <= max_label; ++k) names.push_back(std::to_string(10 * (k + 1)) + "s");
  MT_CHECK(max_label < int(names.size()), o.features, ": its labels go up to ", max_label, " but ",
           o.class_names.empty() ? class_names_file(o.features) + " names " : std::string("--classes gives "),
           names.size(), " classes");
  const fs::path out(o.out_dir);

  const Pca2d pca = pca_2d(features);
  scatter_plot((out / "convnext_pca.png").string(), "PCA of Features", "PCA Component 1", "PCA Component 2", pca.points,
               labels, names, "Age Group");
  write_coordinates((out / "convnext_pca.csv").string(), pca.points, labels);

  TsneOptions options;
  options.perplexity = std::min(30.0, double(features.size(0) - 1) / 3.0);
  const Tsne2d tsne = tsne_2d(features, options);
  scatter_plot((out / "convnext_tsne.png").string(), "t-SNE of Features", "t-SNE Component 1", "t-SNE Component 2",
               tsne.points, labels, names, "Age Group");
  write_coordinates((out / "convnext_tsne.csv").string(), tsne.points, labels);
  refresh_report_figures(o.out_dir);
  std::printf("PCA explained variance ratio: %.3f, %.3f\nt-SNE: KL divergence %.4f after %d iterations\n",
              pca.explained_variance_ratio[0], pca.explained_variance_ratio[1], tsne.kl_divergence, tsne.iterations);
}

}  // namespace faceage
