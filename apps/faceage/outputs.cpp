#include "outputs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "files.hpp"

namespace faceage {

std::string python_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // The shortest digits that read back exactly, then Python's layout: positional for
  // 1e-4 <= |v| < 1e16, scientific otherwise, and always a '.' or an exponent.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, end);  // d.ddde±XX
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  const int exponent = std::stoi(sci.substr(e + 1));
  const bool negative = digits[0] == '-';
  if (negative) digits = digits.substr(1);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string out;
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out = "0.";
      out.append(size_t(-exponent - 1), '0');
      out += digits;
    } else if (size_t(exponent) + 1 >= digits.size()) {
      out = digits + std::string(size_t(exponent) + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, size_t(exponent) + 1) + "." + digits.substr(size_t(exponent) + 1);
    }
  }
  if (out.empty()) {
    out = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "");
    char ex[16];
    std::snprintf(ex, sizeof ex, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += ex;
  }
  return (negative ? "-" : "") + out;
}

namespace {
const char* kBom = "\xEF\xBB\xBF";
// An accuracy as the tutorial records it: a float32 tensor's .item().
double as_float32(double v) { return double(float(v)); }
}  // namespace

void write_loss_acc_csv(const std::string& path, const TrainResult& r) {
  std::ostringstream out;
  out << kBom << ",train_losses,train_accuracies,val_losses,val_accuracies\n";
  for (size_t i = 0; i < r.epochs.size(); ++i) {
    const EpochResult& e = r.epochs[i];
    out << i << "," << python_float(e.train_loss) << "," << python_float(as_float32(e.train_acc)) << ","
        << python_float(e.val_loss) << "," << python_float(as_float32(e.val_acc)) << "\n";
  }
  write_text_atomic(path, out.str());
}

void write_predictions_csv(const std::string& path, const TrainResult& r) {
  std::ostringstream out;
  out << kBom << ",epoch,pred,acctual\n";
  for (size_t i = 0; i < r.predictions.size(); ++i) {
    const Prediction& p = r.predictions[i];
    out << i << "," << p.epoch << "," << p.pred << "," << p.actual << "\n";
  }
  write_text_atomic(path, out.str());
}

std::vector<std::vector<double>> last_epoch_confusion(const TrainResult& r) {
  const size_t n = r.classes.size();
  std::vector<std::vector<double>> counts(n, std::vector<double>(n, 0));
  const int64_t last = int64_t(r.epochs.size());
  for (const Prediction& p : r.predictions)
    if (p.epoch == last && size_t(p.pred) < n && size_t(p.actual) < n) counts[size_t(p.pred)][size_t(p.actual)] += 1;
  return counts;
}

void write_metrics_json(const std::string& path, const TrainResult& r, const TrainOptions& o) {
  std::ostringstream out;
  auto str = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return q + "\"";
  };
  out << "{\n  \"classes\": [";
  for (size_t i = 0; i < r.classes.size(); ++i) out << (i ? ", " : "") << str(r.classes[i]);
  out << "],\n  \"epochs\": [\n";
  double best = 0;
  for (size_t i = 0; i < r.epochs.size(); ++i) {
    const EpochResult& e = r.epochs[i];
    best = std::max(best, e.val_acc);
    out << "    {\"epoch\": " << i + 1 << ", \"train_loss\": " << python_float(e.train_loss)
        << ", \"train_acc\": " << python_float(e.train_acc) << ", \"val_loss\": " << python_float(e.val_loss)
        << ", \"val_acc\": " << python_float(e.val_acc) << ", \"amp\": " << str(e.bf16 ? "bf16" : "none") << "}"
        << (i + 1 < r.epochs.size() ? "," : "") << "\n";
  }
  out << "  ],\n  \"best_val_acc\": " << python_float(best) << ",\n  \"final_val_acc\": "
      << python_float(r.epochs.empty() ? 0.0 : r.epochs.back().val_acc) << ",\n  \"stopped_early\": "
      << (r.stopped_early ? "true" : "false") << ",\n  \"train_seconds\": " << python_float(r.seconds)
      << ",\n  \"settings\": {\"arch\": " << str(o.arch) << ", \"epochs\": " << o.epochs << ", \"batch_size\": "
      << o.batch_size << ", \"lr\": " << python_float(o.lr) << ", \"optimizer\": " << str(o.optimizer)
      << ", \"seed\": " << o.seed << ", \"image_size\": " << o.image_size << ", \"workers\": " << o.workers
      << ", \"early_stopping\": " << o.early_stopping
      << ", \"weights\": " << str(r.weights.empty() ? "random init" : r.weights) << "}\n}\n";
  write_text_atomic(path, out.str());
}

}  // namespace faceage
