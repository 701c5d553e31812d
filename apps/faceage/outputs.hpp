#pragma once
// The tutorial's result files, with its names and formats: CSVs as pandas' to_csv writes them
// (index column, UTF-8 with BOM), and metrics.json (written last: its presence marks a complete run).
#include <string>
#include <vector>

#include "train.hpp"

namespace faceage {

// Python's repr() of a float (what pandas writes): shortest round trip, "1.0", "1e-05".
std::string python_float(double v);

void write_loss_acc_csv(const std::string& path, const TrainResult& r);   // convnext_loss_acc.csv
void write_predictions_csv(const std::string& path, const TrainResult& r);  // pred_acctual.csv
// counts[pred][actual] of the last epoch's validation predictions.
std::vector<std::vector<double>> last_epoch_confusion(const TrainResult& r);
void write_metrics_json(const std::string& path, const TrainResult& r, const TrainOptions& o);

}  // namespace faceage
