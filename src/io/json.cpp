#include "json.hpp"
#include "utf8.hpp"

#include <unordered_set>

#include "minitorch/error.hpp"

namespace minitorch::internal {

const char* json_type_name(Json::Type t) {
  switch (t) {
    case Json::Type::Object: return "object";
    case Json::Type::Array: return "array";
    case Json::Type::String: return "string";
    case Json::Type::Integer: return "integer";
  }
  return "?";
}

namespace {

constexpr int kMaxDepth = 64;  // deeper nesting only serves to exhaust the stack

// Length of the valid UTF-8 sequence of a non-ASCII character at s[pos] (0 when invalid): no
// overlong forms, no surrogates, nothing above U+10FFFF.
size_t utf8_sequence_length(std::string_view s, size_t pos) {
  const auto b = [&](size_t i) { return pos + i < s.size() ? uint8_t(s[pos + i]) : uint8_t(0); };
  const auto cont = [&](size_t i) { return (b(i) & 0xc0) == 0x80; };
  const uint8_t c = b(0);
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;  // overlong
    if (c == 0xed && b(1) >= 0xa0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xf4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& where, size_t base) : s_(text), where_(where), base_(base) {}

  Json parse_document() {
    Json v = value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected '", printable(s_[pos_]), "' after the end of the JSON value");
    return v;
  }

 private:
  template <class... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    detail::fail(where_, ": byte ", base_ + pos_, ": ", parts...);
  }
  static std::string printable(char c) {
    const auto u = uint8_t(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    static const char* hex = "0123456789abcdef";
    return std::string("\\x") + hex[u >> 4] + hex[u & 15];
  }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  char peek() {
    skip_space();
    if (pos_ == s_.size()) fail("unexpected end of the JSON text");
    return s_[pos_];
  }
  void expect(char c, const char* context) {
    if (peek() != c) fail("expected '", c, "' ", context, ", found '", printable(s_[pos_]), "'");
    ++pos_;
  }

  Json value(int depth) {
    if (depth > kMaxDepth) fail("JSON nested deeper than ", kMaxDepth, " levels");
    const char c = peek();
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    Json v;
    if (c == '"') {
      v.type = Json::Type::String;
      v.string = string();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.type = Json::Type::Integer;
      v.integer = integer();
    } else {
      fail("expected an object, array, string or integer, found '", printable(c), "'");
    }
    return v;
  }

  Json object(int depth) {
    Json v;
    v.type = Json::Type::Object;
    ++pos_;  // '{'
    std::unordered_set<std::string> seen;
    if (peek() == '}') {
      ++pos_;
      return v;
    }
    for (;;) {
      if (peek() != '"') fail("expected a string key in a JSON object, found '", printable(s_[pos_]), "'");
      const size_t key_pos = pos_;
      std::string key = string();
      if (!seen.insert(key).second) {
        pos_ = key_pos;
        fail("duplicate key ", json_quote(key), " in a JSON object");
      }
      expect(':', "after an object key");
      Json item = value(depth + 1);
      v.object.push_back({std::move(key), std::move(item)});
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect('}', "or ',' in a JSON object");
      return v;
    }
  }

  Json array(int depth) {
    Json v;
    v.type = Json::Type::Array;
    ++pos_;  // '['
    if (peek() == ']') {
      ++pos_;
      return v;
    }
    for (;;) {
      v.array.push_back(value(depth + 1));
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect(']', "or ',' in a JSON array");
      return v;
    }
  }

  int64_t integer() {
    const size_t start = pos_;
    const bool negative = s_[pos_] == '-';
    if (negative) ++pos_;
    if (pos_ == s_.size() || s_[pos_] < '0' || s_[pos_] > '9') fail("expected a digit");
    if (s_[pos_] == '0' && pos_ + 1 < s_.size() && s_[pos_ + 1] >= '0' && s_[pos_ + 1] <= '9')
      fail("leading zeros are not allowed in JSON numbers");
    // Accumulate as a negative number: its range includes INT64_MIN.
    int64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      const int digit = s_[pos_] - '0';
      if (v < (INT64_MIN + digit) / 10) {
        pos_ = start;
        fail("integer does not fit in 64 bits");
      }
      v = v * 10 - digit;
      ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E'))
      fail("only integers are expected (safetensors headers and checkpoint manifests hold no other numbers), ",
           "found a fraction or exponent");
    if (negative) return v;
    if (v == INT64_MIN) {
      pos_ = start;
      fail("integer does not fit in 64 bits");
    }
    return -v;
  }

  unsigned hex4() {
    if (s_.size() - pos_ < 4) fail("unexpected end of the JSON text in a \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
      else { --pos_; fail("invalid hex digit '", printable(c), "' in a \\u escape"); }
    }
    return v;
  }

  static void append_utf8(std::string& out, uint32_t cp) { internal::append_utf8(out, cp); }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (pos_ == s_.size()) fail("unterminated JSON string");
      const auto c = uint8_t(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) fail("control character ", printable(char(c)), " inside a JSON string (it must be escaped)");
      if (c == '\\') {
        escape(out);
      } else if (c < 0x80) {
        out += char(c);
        ++pos_;
      } else {
        const size_t n = utf8_sequence_length(s_, pos_);
        if (n == 0) fail("invalid UTF-8 in a JSON string");
        out.append(s_.substr(pos_, n));
        pos_ += n;
      }
    }
  }

  void escape(std::string& out) {
    ++pos_;  // backslash
    if (pos_ == s_.size()) fail("unterminated escape in a JSON string");
    const char e = s_[pos_++];
    switch (e) {
      case '"': out += '"'; return;
      case '\\': out += '\\'; return;
      case '/': out += '/'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'u': break;
      default: --pos_; fail("invalid escape '\\", printable(e), "' in a JSON string");
    }
    uint32_t cp = hex4();
    if (cp >= 0xdc00 && cp <= 0xdfff) fail("unpaired low surrogate in a \\u escape");
    if (cp >= 0xd800 && cp <= 0xdbff) {  // a high surrogate must be followed by a low one
      if (s_.size() - pos_ < 2 || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') fail("unpaired high surrogate in a \\u escape");
      pos_ += 2;
      const uint32_t low = hex4();
      if (low < 0xdc00 || low > 0xdfff) fail("unpaired high surrogate in a \\u escape");
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    append_utf8(out, cp);
  }

  std::string_view s_;
  const std::string& where_;
  size_t base_;
  size_t pos_ = 0;
};

}  // namespace

Json parse_json(std::string_view text, const std::string& where, size_t base) {
  return Parser(text, where, base).parse_document();
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (uint8_t(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string json_quote(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : s) {
    const auto u = uint8_t(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;  // UTF-8 passes through unchanged
    }
  }
  return out + "\"";
}

}  // namespace minitorch::internal
