#pragma once
// A small, strict JSON reader and writer: only what a safetensors header and a checkpoint
// manifest hold (objects, arrays, strings and integers). Anything else (floats, true/false/null,
// trailing commas, comments, duplicate keys, invalid UTF-8, nesting deeper than 64) is an Error,
// because a file that needs it was not written by their writers.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace minitorch::internal {

struct JsonMember;

struct Json {
  enum class Type { Object, Array, String, Integer };
  Type type = Type::Integer;
  int64_t integer = 0;
  std::string string;
  std::vector<Json> array;
  std::vector<JsonMember> object;  // in file order, keys unique
};

struct JsonMember {
  std::string key;
  Json value;
};

const char* json_type_name(Json::Type t);  // "object", "array", ...

// Parses one value followed only by whitespace. Errors read "where: byte N: ...", with N counted
// from the start of `text` plus `base` (a safetensors header starts at byte 8 of its file).
Json parse_json(std::string_view text, const std::string& where, size_t base = 0);

bool valid_utf8(std::string_view s);

// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace minitorch::internal
