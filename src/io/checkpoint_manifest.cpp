// The checkpoint manifest as JSON, written by hand and read back with the strict JSON parser of
// the safetensors reader (integers and strings only: larger or fractional numbers are strings).
#include <cerrno>
#include <charconv>
#include <cstdlib>

#include "checkpoint_files.hpp"
#include "json.hpp"
#include "minitorch/error.hpp"

namespace minitorch::internal {

namespace {

constexpr const char* kFormat = "minitorch-checkpoint";
constexpr int64_t kVersion = 1;

// The shortest text that reads back as the same double ("0.1", "nan", "-inf").
std::string double_text(double v) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

// Written with += only: g++ 12 warns falsely (-Wrestrict) on chains of string operator+.
void key(std::string& out, const std::string& k, bool first = false) {
  if (!first) out += ",\n";
  out += "  ";
  out += json_quote(k);
  out += ": ";
}

void check_text(const std::string& s, const char* what) {
  MT_CHECK(valid_utf8(s), "save_checkpoint: ", what, " ", json_quote(s), " is not valid UTF-8");
}

class ManifestReader {
 public:
  explicit ManifestReader(const std::string& where) : where_(where) {}

  template <class... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    detail::fail(where_, ": ", parts...);
  }

  const Json& member(const Json& object, const std::string& name, Json::Type type) const {
    for (const auto& m : object.object)
      if (m.key == name) {
        if (m.value.type != type)
          fail("'", name, "' is a JSON ", json_type_name(m.value.type), ", expected a ", json_type_name(type));
        return m.value;
      }
    fail("the manifest lacks '", name, "'");
  }

  // Numbers are read back exactly as the writer writes them (std::to_chars): from_chars takes
  // no leading space, '+' or hex, unlike strtoull and strtod, so a hand edit cannot slip through.
  uint64_t unsigned_text(const Json& v, const std::string& what) const {
    if (v.type != Json::Type::String) fail(what, " is not a string of digits");
    const char* begin = v.string.data();
    const char* end = begin + v.string.size();
    uint64_t x = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, x);
    if (v.string.empty() || ec != std::errc() || ptr != end)
      fail(what, " '", v.string, "' is not an unsigned 64-bit number");
    return x;
  }

  double double_value(const Json& v, const std::string& what) const {
    if (v.type != Json::Type::String) fail(what, " is not a number written as a string");
    const char* begin = v.string.data();
    const char* end = begin + v.string.size();
    double x = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, x);
    if (v.string.empty() || ec != std::errc() || ptr != end) fail(what, " '", v.string, "' is not a number");
    return x;
  }

 private:
  const std::string& where_;
};

}  // namespace

std::string manifest_to_json(const CheckpointManifest& m) {
  std::string out = "{\n";
  key(out, "format", true);
  out += json_quote(kFormat);
  key(out, "version");
  out += std::to_string(kVersion);
  key(out, "tensors");
  out += json_quote(m.tensors);
  key(out, "generation");
  out += json_quote(std::to_string(m.generation));
  key(out, "tensors_bytes");
  out += json_quote(std::to_string(m.tensors_bytes));
  key(out, "tensors_crc32");
  out += std::to_string(m.tensors_crc32);
  key(out, "epoch");
  out += std::to_string(m.epoch);

  key(out, "generators");
  out += "{";
  for (const auto& [name, g] : m.generators) {
    check_text(name, "generator name");
    if (out.back() != '{') out += ", ";
    out += json_quote(name);
    out += ": {\"seed\": ";
    out += json_quote(std::to_string(g.seed));
    out += ", \"offset\": ";
    out += json_quote(std::to_string(g.offset));
    out += "}";
  }
  out += "}";

  key(out, "metrics");
  out += "{";
  for (const auto& [name, values] : m.metrics) {
    check_text(name, "metric name");
    if (out.back() != '{') out += ",";
    out += "\n    ";
    out += json_quote(name);
    out += ": [";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out += ", ";
      out += json_quote(double_text(values[i]));
    }
    out += "]";
  }
  out += m.metrics.empty() ? "}" : "\n  }";

  key(out, "info");
  out += "{";
  for (const auto& [name, text] : m.info) {
    check_text(name, "info key");
    check_text(text, "info value");
    if (out.back() != '{') out += ",";
    out += "\n    ";
    out += json_quote(name);
    out += ": ";
    out += json_quote(text);
  }
  out += m.info.empty() ? "}" : "\n  }";
  out += "\n}\n";
  return out;
}

CheckpointManifest manifest_from_json(const std::string& text, const std::string& where) {
  const Json root = parse_json(text, where);
  const ManifestReader r(where);
  if (root.type != Json::Type::Object) r.fail("the manifest is a JSON ", json_type_name(root.type), ", expected an object");
  if (r.member(root, "format", Json::Type::String).string != kFormat)
    r.fail("'format' is not \"", kFormat, "\" (not a minitorch checkpoint manifest)");
  const int64_t version = r.member(root, "version", Json::Type::Integer).integer;
  if (version != kVersion) r.fail("manifest version ", version, " is not supported (expected ", kVersion, ")");

  CheckpointManifest m;
  m.tensors = r.member(root, "tensors", Json::Type::String).string;
  if (m.tensors.empty() || m.tensors.find('/') != std::string::npos || m.tensors == "." || m.tensors == "..")
    r.fail("'tensors' must name a file in the manifest's folder, got ", json_quote(m.tensors));
  m.generation = r.unsigned_text(r.member(root, "generation", Json::Type::String), "'generation'");
  m.tensors_bytes = r.unsigned_text(r.member(root, "tensors_bytes", Json::Type::String), "'tensors_bytes'");
  const int64_t crc = r.member(root, "tensors_crc32", Json::Type::Integer).integer;
  if (crc < 0 || crc > int64_t(UINT32_MAX)) r.fail("'tensors_crc32' ", crc, " is not a 32-bit CRC");
  m.tensors_crc32 = uint32_t(crc);
  m.epoch = r.member(root, "epoch", Json::Type::Integer).integer;
  if (m.epoch < 0) r.fail("'epoch' ", m.epoch, " is negative");

  for (const auto& [name, g] : r.member(root, "generators", Json::Type::Object).object) {
    if (g.type != Json::Type::Object) r.fail("generator ", json_quote(name), " is not an object");
    m.generators[name] = {r.unsigned_text(r.member(g, "seed", Json::Type::String), "generator seed"),
                          r.unsigned_text(r.member(g, "offset", Json::Type::String), "generator offset")};
  }
  for (const auto& [name, values] : r.member(root, "metrics", Json::Type::Object).object) {
    if (values.type != Json::Type::Array) r.fail("metric ", json_quote(name), " is not an array");
    std::vector<double>& out = m.metrics[name];
    std::string what = "a value of metric ";
    what += json_quote(name);
    for (const Json& v : values.array) out.push_back(r.double_value(v, what));
  }
  for (const auto& [name, text] : r.member(root, "info", Json::Type::Object).object) {
    if (text.type != Json::Type::String) r.fail("info ", json_quote(name), " is not a string");
    m.info[name] = text.string;
  }
  return m;
}

}  // namespace minitorch::internal
