#pragma once
// A CSV reader for label files (RFC 4180): comma-separated fields, fields in double quotes may
// hold commas, line breaks and doubled quotes (""). A UTF-8 byte order mark at the start (pandas'
// utf_8_sig) is dropped, CRLF and LF line ends are both accepted, blank lines are skipped, and
// spaces around unquoted fields are kept as they are (pandas' default).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace minitorch::internal {

struct CsvRow {
  size_t line;  // 1-based line on which the row starts, for error messages
  std::vector<std::string> fields;
};

// Errors name `name_for_errors` and the line: an unterminated quoted field, or text after a
// closing quote.
std::vector<CsvRow> parse_csv(std::string_view text, const std::string& name_for_errors);

}  // namespace minitorch::internal
