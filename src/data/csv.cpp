#include "csv.hpp"

#include "minitorch/error.hpp"

namespace minitorch::internal {

std::vector<CsvRow> parse_csv(std::string_view text, const std::string& name) {
  if (text.substr(0, 3) == "\xef\xbb\xbf") text.remove_prefix(3);
  std::vector<CsvRow> rows;
  size_t pos = 0, line = 1;
  while (pos < text.size()) {
    CsvRow row{line, {}};
    std::string field;
    bool row_done = false;
    while (!row_done) {
      if (pos < text.size() && text[pos] == '"') {  // quoted field
        const size_t opened_on = line;
        ++pos;
        for (;;) {
          MT_CHECK(pos < text.size(), name, ": line ", opened_on, ": a quoted field is not closed");
          const char c = text[pos++];
          if (c == '"') {
            if (pos < text.size() && text[pos] == '"') {
              field += '"';
              ++pos;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
        MT_CHECK(pos == text.size() || text[pos] == ',' || text[pos] == '\n' || text[pos] == '\r', name, ": line ",
                 line, ": unexpected '", text[pos], "' after a closing quote (expected ',' or the end of the line)");
      } else {
        while (pos < text.size() && text[pos] != ',' && text[pos] != '\n' && text[pos] != '\r') field += text[pos++];
      }
      row.fields.push_back(std::move(field));
      field.clear();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      // End of the row: CRLF, LF or the end of the text.
      if (pos < text.size() && text[pos] == '\r') ++pos;
      if (pos < text.size() && text[pos] == '\n') ++pos;
      ++line;
      row_done = true;
    }
    const bool blank = row.fields.size() == 1 && row.fields[0].empty();
    if (!blank) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace minitorch::internal
