#pragma once
// The tutorial's figures, drawn with cairo into PNG files in matplotlib's default look: white
// background, title, axis labels, tick labels, light grid, legend box, DejaVu Sans text sized
// as matplotlib's 10 pt at 100 dpi.
//
// Every writer renders the whole image first and then writes it through
// minitorch::data::write_png, which creates the file atomically (a temporary file in the same
// directory renamed over `path`): a failure throws minitorch::Error naming the path and leaves
// no file behind. Bad input (NaN, mismatched sizes) throws before anything is written.
#include <array>
#include <string>
#include <vector>

namespace faceage {

struct Rgb {
  double r = 0, g = 0, b = 0;  // 0..1
};

// matplotlib's single-letter colours 'r' and 'b' (the seed's train and val curves).
inline constexpr Rgb kRed{1, 0, 0};
inline constexpr Rgb kBlue{0, 0, 1};
// matplotlib's default colour cycle ("tab10"); entry i % 10 for label i.
Rgb tab10(int i);

// One curve of a line plot: y per epoch, drawn at x = 1..N.
struct Series {
  std::string name;  // the legend entry
  Rgb color;
  std::vector<double> values;
};

// The seed's loss and accuracy plots (640 x 480): one line with a marker per point for each
// series, grid, legend. Series may differ in length; x ticks are whole epochs. Throws on an empty
// series list, an empty series, or a NaN/inf value (the message names the series).
void line_plot(const std::string& path, const std::string& title, const std::string& xlabel,
               const std::string& ylabel, const std::vector<Series>& series);

// seaborn's heatmap(annot=True) (640 x 480): matrix[r][c] drawn as a cell, row 0 at the top,
// coloured with seaborn's default "rocket" colormap between the matrix's min and max, each cell
// annotated with its value to 2 decimals (light or dark text by the cell's luminance), and a
// colour bar on the right. row_labels/col_labels must match the matrix.
void heatmap(const std::string& path, const std::string& title, const std::vector<std::vector<double>>& matrix,
             const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels,
             const std::string& xlabel, const std::string& ylabel);

// Each column divided by its sum (pandas' `df[c] / df[c].sum()` in the seed); an all-zero column
// stays zero instead of becoming NaN. Rows must have equal lengths.
std::vector<std::vector<double>> normalize_columns(const std::vector<std::vector<double>>& counts);

// The seed's t-SNE and PCA scatter plots (1000 x 800, figsize (10, 8)): one colour per label
// (tab10 by label value), alpha 0.6, grid, legend titled `legend_title` with one entry per
// label present, named label_names[label]. Labels must lie in [0, label_names.size()).
void scatter_plot(const std::string& path, const std::string& title, const std::string& xlabel,
                  const std::string& ylabel, const std::vector<std::array<double, 2>>& points,
                  const std::vector<int>& labels, const std::vector<std::string>& label_names,
                  const std::string& legend_title);

// The colour of the heatmap's colormap at t in [0, 1] (clamped): seaborn's "rocket" ramp,
// interpolated linearly between 17 of its 256 entries.
Rgb rocket(double t);

// Tick positions for the data range [lo, hi]: multiples of a step 1, 2 or 5 x 10^k chosen so that
// between 3 and max_ticks ticks fall inside the range (a single tick when lo == hi). With
// `integer`, the step is at least 1.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks = 8, bool integer = false);

}  // namespace faceage
