// Printing tensors exactly as PyTorch does (torch/_tensor_str.py with default print options:
// precision 4, line width 80, summarised beyond 1000 elements with 3 edge items).
#include <cmath>
#include <cstdio>
#include <sstream>

#include "minitorch/autograd.hpp"
#include "minitorch/tensor.hpp"

namespace minitorch {

namespace {

constexpr int kLineWidth = 80;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;

std::string printf_str(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Python's str() of a float in the non-finite cases; the finite ones never reach it.
std::string nonfinite(double v) { return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"); }

// One element as printed: long double holds every int64 exactly (64-bit significand on x86-64,
// where double rounds integers beyond 2^53) and every float value.
using Scalar = long double;

// A row-major block of values (the whole tensor converted to Scalar) and its shape.
struct Values {
  const std::vector<Scalar>& data;
  Shape shape;
  int64_t offset = 0;
  int64_t size0() const { return shape[0]; }
  Values sub(int64_t i) const {
    Shape rest(shape.begin() + 1, shape.end());
    return {data, rest, offset + i * shape_numel(rest)};
  }
};

class Formatter {
 public:
  Formatter(DType dtype, const std::vector<Scalar>& values) : floating_(is_floating(dtype)), bool_(dtype == kBool) {
    if (!floating_) {
      for (Scalar v : values) width_ = std::max(width_, int(integral(v).size()));
      return;
    }
    std::vector<double> nonzero_finite;
    for (const double v : values)
      if (std::isfinite(v) && v != 0) nonzero_finite.push_back(v);
    if (nonzero_finite.empty()) return;  // all zeros / non-finite: int mode, width 1
    double lo = INFINITY, hi = 0;
    for (double v : nonzero_finite) {
      lo = std::min(lo, std::abs(v));
      hi = std::max(hi, std::abs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (int_mode_) {
      if (hi / lo > 1000.0 || hi > 1.0e8) {
        sci_mode_ = true;
        for (double v : nonzero_finite) width_ = std::max(width_, int(printf_str("%.4e", v).size()));
      } else {
        for (double v : nonzero_finite) width_ = std::max(width_, int(printf_str("%.0f", v).size()) + 1);
      }
    } else if (hi / lo > 1000.0 || hi > 1.0e8 || lo < 1.0e-4) {
      sci_mode_ = true;
      for (double v : nonzero_finite) width_ = std::max(width_, int(printf_str("%.4e", v).size()));
    } else {
      for (double v : nonzero_finite) width_ = std::max(width_, int(printf_str("%.4f", v).size()));
    }
  }

  int width() const { return width_; }

  std::string format(Scalar value) const {
    const double v = double(value);
    std::string s;
    if (!floating_) {
      s = integral(value);
    } else if (!std::isfinite(v)) {
      s = nonfinite(v);
    } else if (sci_mode_) {
      s = printf_str("%.4e", v);
    } else if (int_mode_) {
      s = printf_str("%.0f", v) + ".";
    } else {
      s = printf_str("%.4f", v);
    }
    return std::string(size_t(std::max(0, width_ - int(s.size()))), ' ') + s;
  }

 private:
  std::string integral(Scalar v) const {
    if (bool_) return v != 0 ? "True" : "False";
    return std::to_string(int64_t(v));
  }
  bool floating_, bool_;
  bool int_mode_ = true, sci_mode_ = false;
  int width_ = 1;
};

// The values the formatter sizes itself on: everything, or only the edges when summarising.
void summarized_values(const Values& v, bool summarize, std::vector<Scalar>& out) {
  if (v.shape.empty()) {
    out.push_back(v.data[size_t(v.offset)]);
    return;
  }
  const int64_t n = v.size0();
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) i = n - kEdgeItems;
    summarized_values(v.sub(i), summarize, out);
  }
}

std::string tensor_str(const Values& v, int indent, bool summarize, const Formatter& f) {
  const size_t dim = v.shape.size();
  if (dim == 0) return f.format(v.data[size_t(v.offset)]);
  const int64_t n = v.size0();
  const bool cut = summarize && n > 2 * kEdgeItems;
  if (dim == 1) {
    const int element_length = f.width() + 2;
    const int per_line = std::max(1, (kLineWidth - indent) / element_length);
    std::vector<std::string> items;
    for (int64_t i = 0; i < n; ++i) {
      if (cut && i == kEdgeItems) {
        items.push_back(" ...");
        i = n - kEdgeItems;
      }
      items.push_back(f.format(v.data[size_t(v.offset + i)]));
    }
    std::string s = "[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0 && i % size_t(per_line) == 0) {
        s += ",\n";
        s.append(size_t(indent + 1), ' ');
      } else if (i > 0) {
        s += ", ";
      }
      s += items[i];
    }
    return s + "]";
  }
  std::string sep = ",";
  sep.append(dim - 1, '\n');
  sep.append(size_t(indent + 1), ' ');
  std::string s = "[";
  for (int64_t i = 0; i < n; ++i) {
    if (i > 0) s += sep;
    if (cut && i == kEdgeItems) {
      s += "...";
      s += sep;
      i = n - kEdgeItems;
    }
    s += tensor_str(v.sub(i), indent + 1, summarize, f);
  }
  return s + "]";
}

std::string add_suffixes(std::string s, const std::vector<std::string>& suffixes, int indent) {
  // PyTorch: len(s) - s.rfind("\n") + 1, where rfind gives -1 without a newline.
  const size_t newline = s.rfind('\n');
  int last_line_len = int(s.size()) - (newline == std::string::npos ? -1 : int(newline)) + 1;
  for (const std::string& suffix : suffixes) {
    const int len = int(suffix.size());
    if (last_line_len + len + 2 > kLineWidth) {
      s += ",\n" + std::string(size_t(indent), ' ') + suffix;
      last_line_len = indent + len;
    } else {
      s += ", " + suffix;
      last_line_len += len + 2;
    }
  }
  return s + ")";
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  const std::string prefix = "tensor(";
  const int indent = int(prefix.size());
  std::vector<std::string> suffixes;
  if (device().is_cuda()) suffixes.push_back("device='" + device().str() + "'");

  std::string body;
  if (numel() == 0) {
    body = "[]";
    if (shape() != Shape{0}) {
      std::string size = "size=(";
      for (size_t i = 0; i < shape().size(); ++i) size += (i ? ", " : "") + std::to_string(shape()[i]);
      suffixes.push_back(size + (shape().size() == 1 ? ",)" : ")"));
    }
  } else {
    std::vector<Scalar> data;
    if (dtype() == kInt64) {
      for (int64_t v : to_vector<int64_t>()) data.push_back(Scalar(v));
    } else {
      for (double v : to_vector<double>()) data.push_back(Scalar(v));
    }
    Values all{data, shape(), 0};
    const bool summarize = numel() > kThreshold;
    std::vector<Scalar> sample;
    summarized_values(all, summarize, sample);
    Formatter f(dtype(), sample);
    body = tensor_str(all, indent, summarize, f);
  }
  // int64 and bool values show their type; an empty tensor has none to show, so PyTorch names
  // every dtype but the default float32 there.
  if (dtype() != kFloat32 && (numel() == 0 || (dtype() != kInt64 && dtype() != kBool)))
    suffixes.push_back(std::string("dtype=torch.") + dtype_name(dtype()));
  if (grad_fn()) suffixes.push_back("grad_fn=<" + grad_fn()->name + ">");
  else if (requires_grad()) suffixes.push_back("requires_grad=True");
  return add_suffixes(prefix + body, suffixes, indent);
}

}  // namespace minitorch
