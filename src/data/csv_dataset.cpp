// CsvImageDataset: rows of (file, label) turned into samples and classes.
#include "minitorch/data/csv_dataset.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>
#include <set>

#include "../io/file_io.hpp"
#include "csv.hpp"

namespace minitorch::data {

namespace fs = std::filesystem;

std::string decade_bin(int64_t age) {
  MT_CHECK(age >= 0, "decade_bin: age ", age, " is negative");
  return std::to_string(std::min<int64_t>(age / 10 * 10, 100)) + "s";
}

namespace {

std::optional<int64_t> parse_integer(const std::string& s) {
  int64_t v = 0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data() + (!s.empty() && s[0] == '+'), end, v);
  if (ec != std::errc() || ptr != end || s.empty()) return std::nullopt;
  return v;
}

class CsvReader {
 public:
  CsvReader(const std::string& csv_path, const std::string& image_root, const CsvImageOptions& options)
      : csv_(csv_path), root_(image_root), options_(options) {}

  ImageList read() {
    const std::vector<uint8_t> bytes = internal::read_file_bytes(csv_, "CsvImageDataset");
    std::vector<internal::CsvRow> rows = internal::parse_csv(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), "CsvImageDataset: " + csv_);
    if (!rows.empty() && is_header(rows[0])) rows.erase(rows.begin());
    MT_CHECK(!rows.empty(), "CsvImageDataset: '", csv_, "' has no data rows (expected lines of file,label)");

    // First pass: files and raw labels; second: labels to indices, once every class is known.
    std::vector<std::string> names;  // per row, for name labels
    std::vector<int64_t> numbers;    // per row, for integer labels
    const bool named = options_.bin || !parse_integer(field(rows[0], options_.label_column));
    ImageList out;
    for (const internal::CsvRow& row : rows) {
      out.samples.push_back({image_path(row), -1});
      const std::string& label = field(row, options_.label_column);
      if (options_.bin) {
        const auto v = parse_integer(label);
        if (!v) fail(row, "label '", label, "' is not an integer (the bin function needs one)");
        try {
          names.push_back(options_.bin(*v));
        } catch (const Error& e) {
          fail(row, "label ", *v, " cannot be binned: ", e.what());
        }
      } else if (named) {
        if (parse_integer(label)) fail(row, "label '", label, "' is a number, but the first row's label is a class name");
        if (label.empty()) fail(row, "the label is empty");
        names.push_back(label);
      } else {
        const auto v = parse_integer(label);
        if (!v) fail(row, "label '", label, "' is not an integer (the first row's label is a class index)");
        if (*v < 0) fail(row, "label ", *v, " is negative (expected a class index >= 0)");
        numbers.push_back(*v);
      }
    }
    out.classes = named ? class_names(names) : index_names(numbers, rows);
    for (size_t i = 0; i < rows.size(); ++i) out.samples[i].label = named ? index_of(names[i], out.classes, rows[i]) : numbers[i];
    return out;
  }

 private:
  template <class... Parts>
  [[noreturn]] void fail(const internal::CsvRow& row, const Parts&... parts) const {
    detail::fail("CsvImageDataset: ", csv_, ": line ", row.line, ": ", parts...);
  }

  const std::string& field(const internal::CsvRow& row, size_t column) const {
    const size_t needed = std::max(options_.file_column, options_.label_column) + 1;
    if (row.fields.size() < needed)
      fail(row, "expected at least ", needed, " comma-separated fields (file and label), found ", row.fields.size());
    return row.fields[column];
  }

  fs::path resolve(const std::string& file) const { return fs::path(root_) / file; }

  // Header::Auto: a first row whose file field neither exists nor looks like an image file name
  // ("file", "path") is a header. A missing "x.jpg" stays a data row, and so an error.
  bool is_header(const internal::CsvRow& row) const {
    if (options_.header != CsvImageOptions::Header::Auto) return options_.header == CsvImageOptions::Header::Present;
    if (row.fields.size() <= options_.file_column) return false;
    const std::string& file = row.fields[options_.file_column];
    std::error_code ec;
    return !fs::exists(resolve(file), ec) &&
           !has_extension(file, {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"});
  }

  std::string image_path(const internal::CsvRow& row) const {
    const std::string& file = field(row, options_.file_column);
    if (file.empty()) fail(row, "the file name is empty");
    const fs::path p = resolve(file);
    std::error_code ec;
    const fs::file_status status = fs::status(p, ec);
    if (status.type() == fs::file_type::not_found)
      fail(row, "image '", p.string(), "' does not exist (the file column is read relative to '", root_, "')");
    if (ec) fail(row, "cannot read image '", p.string(), "': ", ec.message());
    if (fs::is_directory(status)) fail(row, "'", p.string(), "' is a folder, not an image file");
    return p.string();
  }

  std::vector<std::string> class_names(const std::vector<std::string>& names) const {
    if (!options_.classes.empty()) return options_.classes;
    const std::set<std::string> found(names.begin(), names.end());
    return {found.begin(), found.end()};
  }

  std::vector<std::string> index_names(const std::vector<int64_t>& numbers, const std::vector<internal::CsvRow>& rows) const {
    if (!options_.classes.empty()) {
      for (size_t i = 0; i < numbers.size(); ++i)
        if (numbers[i] >= int64_t(options_.classes.size()))
          fail(rows[i], "label ", numbers[i], " is out of range for ", options_.classes.size(), " classes");
      return options_.classes;
    }
    // Numbers are class indices 0..max; one far beyond any real class count (an id or a file
    // size in the label column, say) would make that many class names.
    constexpr int64_t kMaxClasses = 1000000;
    const auto max_it = std::max_element(numbers.begin(), numbers.end());
    if (*max_it >= kMaxClasses)
      fail(rows[size_t(max_it - numbers.begin())], "label ", *max_it, " is not a class index (at most ", kMaxClasses,
           " classes; labels are 0, 1, 2, ...)");
    std::vector<std::string> out;
    for (int64_t c = 0; c <= *max_it; ++c) out.push_back(std::to_string(c));
    return out;
  }

  int64_t index_of(const std::string& name, const std::vector<std::string>& classes, const internal::CsvRow& row) const {
    const auto it = std::find(classes.begin(), classes.end(), name);
    if (it == classes.end()) fail(row, "label '", name, "' is not one of the ", classes.size(), " given classes");
    return int64_t(it - classes.begin());
  }

  const std::string& csv_;
  const std::string& root_;
  const CsvImageOptions& options_;
};

}  // namespace

CsvImageDataset::CsvImageDataset(const std::string& csv_path, const std::string& image_root, Transform transform,
                                 CsvImageOptions options)
    : ImageDataset("CsvImageDataset", CsvReader(csv_path, image_root, options).read(), std::move(transform),
                   options.skip_bad_images) {}

}  // namespace minitorch::data
