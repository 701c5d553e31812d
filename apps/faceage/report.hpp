#pragma once
// The figures of a training run and the one-page HTML report; the demo command.
#include <string>
#include <vector>

#include "train.hpp"

namespace faceage {

// convnext_loss.png, convnext_acc.png and pred_acctual_heatmap.png in out_dir.
void write_training_plots(const TrainResult& r, const std::string& out_dir);

struct StepTiming {
  std::string step;
  double seconds = 0;
};
// report.html: every figure, the per-epoch table, the settings and the timings of each step.
void write_report_html(const std::string& out_dir, const TrainResult& r, const TrainOptions& o,
                       const std::vector<StepTiming>& timings);

// Redraws the figure slots of an existing report.html in out_dir (a no-op without one): `plot`
// calls it so that the PCA and t-SNE figures appear in the report that `train` wrote.
void refresh_report_figures(const std::string& out_dir);

// synth (small) -> prepare -> split -> train -> embed -> plot -> report, in a quick configuration.
int run_demo(const std::string& out_dir);

}  // namespace faceage
