// MATLAB v5 .mat files through matio: the whole struct variable is read (Mat_VarRead) and its
// fields are looked up by name.
#include <matio.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <mutex>

#include "mat_internal.hpp"
#include "minitorch/error.hpp"

namespace minitorch::internal {

namespace {

// matio reports problems on stderr by default; every failure here becomes an Error instead.
void silence_matio() {
  static std::once_flag once;
  std::call_once(once, [] { Mat_LogInitFunc("minitorch", [](int, char*) {}); });
}

using MatFile = std::unique_ptr<mat_t, int (*)(mat_t*)>;
using MatVar = std::unique_ptr<matvar_t, void (*)(matvar_t*)>;

std::vector<std::string> variable_names(mat_t* mat) {
  size_t n = 0;
  char** dir = Mat_GetDir(mat, &n);
  std::vector<std::string> names;
  for (size_t i = 0; dir && i < n; ++i) names.emplace_back(dir[i] ? dir[i] : "?");
  return names;
}

std::vector<std::string> field_names(const matvar_t* var) {
  std::vector<std::string> names;
  char* const* fields = Mat_VarGetStructFieldnames(var);
  for (unsigned i = 0; fields && i < Mat_VarGetNumberOfFields(const_cast<matvar_t*>(var)); ++i)
    names.emplace_back(fields[i] ? fields[i] : "?");
  return names;
}

size_t element_count(const matvar_t* v) {
  size_t n = 1;
  for (int d = 0; d < v->rank; ++d) n *= v->dims[d];
  return n;
}

std::string dims_str(const matvar_t* v) {
  std::string s;
  for (int d = 0; d < v->rank; ++d) {
    if (d) s += " x ";
    s += std::to_string(v->dims[d]);
  }
  return s;
}

template <class T>
void append_numbers(const matvar_t* v, size_t n, const std::string& where, const std::string& field,
                    std::vector<int64_t>& out) {
  const T* data = static_cast<const T*>(v->data);
  for (size_t i = 0; i < n; ++i) {
    if constexpr (std::is_floating_point_v<T>) out.push_back(whole_number(double(data[i]), where, field, i));
    else out.push_back(int64_t(data[i]));
  }
}

std::vector<int64_t> numbers(const matvar_t* v, const std::string& where, const std::string& field) {
  MT_CHECK(!v->isComplex && v->class_type != MAT_C_SPARSE, where, ": field '", field,
           "' is complex or sparse (expected a column of real numbers)");
  const size_t n = element_count(v);
  MT_CHECK(n == 0 || (v->data != nullptr && v->nbytes / n >= Mat_SizeOfClass(v->class_type)), where, ": field '",
           field, "' has no data or less than its ", n, " elements (truncated or corrupt file?)");
  std::vector<int64_t> out;
  out.reserve(n);
  switch (v->class_type) {
    case MAT_C_DOUBLE: append_numbers<double>(v, n, where, field, out); break;
    case MAT_C_SINGLE: append_numbers<float>(v, n, where, field, out); break;
    case MAT_C_INT8: append_numbers<int8_t>(v, n, where, field, out); break;
    case MAT_C_UINT8: append_numbers<uint8_t>(v, n, where, field, out); break;
    case MAT_C_INT16: append_numbers<int16_t>(v, n, where, field, out); break;
    case MAT_C_UINT16: append_numbers<uint16_t>(v, n, where, field, out); break;
    case MAT_C_INT32: append_numbers<int32_t>(v, n, where, field, out); break;
    case MAT_C_UINT32: append_numbers<uint32_t>(v, n, where, field, out); break;
    case MAT_C_INT64: append_numbers<int64_t>(v, n, where, field, out); break;
    case MAT_C_UINT64:
      for (size_t i = 0; i < n; ++i) {
        const uint64_t x = static_cast<const uint64_t*>(v->data)[i];
        MT_CHECK(x <= uint64_t(INT64_MAX), where, ": field '", field, "' value ", i, " is ", x, ", too large for int64");
        out.push_back(int64_t(x));
      }
      break;
    default:
      detail::fail(where, ": field '", field, "' is not numeric (matio class ", int(v->class_type),
                   "; expected a column of numbers)");
  }
  return out;
}

std::string char_array(const matvar_t* c, const std::string& where, const std::string& field, size_t index) {
  // An empty cell is an empty name whatever its class (matio writes a compressed '' as double).
  if (c != nullptr && element_count(c) == 0) return "";
  MT_CHECK(c != nullptr && c->class_type == MAT_C_CHAR, where, ": field '", field, "' cell ", index,
           " is not a char array (expected a cell of strings)");
  MT_CHECK(c->rank == 2 && c->dims[0] == 1, where, ": field '", field, "' cell ", index, " is a ", dims_str(c),
           " char array (expected one row of text)");
  MT_CHECK(c->data != nullptr, where, ": field '", field, "' cell ", index, " has no data");
  switch (c->data_type) {
    case MAT_T_UINT8:
    case MAT_T_INT8:
    case MAT_T_UTF8: return bytes_to_utf8(static_cast<const uint8_t*>(c->data), c->nbytes);
    case MAT_T_UINT16:
    case MAT_T_INT16:
    case MAT_T_UTF16: return utf16_to_utf8(static_cast<const uint16_t*>(c->data), c->nbytes / 2);
    default:
      detail::fail(where, ": field '", field, "' cell ", index, " stores its characters as matio type ",
                   int(c->data_type), " (expected 8- or 16-bit characters)");
  }
}

std::vector<std::string> strings(matvar_t* v, const std::string& where, const std::string& field) {
  MT_CHECK(v->class_type == MAT_C_CELL, where, ": field '", field, "' is not a cell array (expected a cell of strings)");
  const size_t n = element_count(v);
  // matio reads the cells from v->data without checking it, which a cut-short file leaves short.
  MT_CHECK(n == 0 || (v->data != nullptr && v->nbytes / n >= sizeof(matvar_t*)), where, ": field '", field,
           "' has no cells or fewer than its ", n, " (truncated or corrupt file?)");
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(char_array(Mat_VarGetCell(v, int(i)), where, field, i));
  return out;
}

// A v5 file is a 128-byte header and then top-level elements, each an 8-byte tag (type, byte
// count) and its bytes, the next element right after them (a miMATRIX count includes its own
// padding; a compressed element has none). matio reads a cut-short element's missing bytes as
// zeros (the last name loses its end without a word), so every element must fit in the file:
// checked here first. Fewer than 8 bytes after the last element are ignored, as matio does.
void check_complete(const std::string& path, const std::string& where) {
  // Only the header's end and each 8-byte tag are read: the tags say where the next one starts.
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const auto size = uint64_t(std::max<std::streamoff>(in.tellg(), 0));
  MT_CHECK(in.good() && size >= 128, where, ": too short for a MATLAB v5 header");
  const auto read_at = [&](uint64_t at, char* out, std::streamsize n) {
    in.seekg(std::streamoff(at));
    MT_CHECK(in.read(out, n).good(), where, ": cannot read byte ", at);
  };
  char endian[2];
  read_at(126, endian, 2);
  const bool swapped = endian[0] == 'M' && endian[1] == 'I';  // written on the other endianness
  for (uint64_t at = 128; size - at >= 8;) {
    uint32_t tag[2];
    read_at(at, reinterpret_cast<char*>(tag), 8);
    const uint64_t count = swapped ? __builtin_bswap32(tag[1]) : tag[1];
    MT_CHECK(count <= size - at - 8, where, ": truncated (the element at byte ", at, " holds ", count,
             " bytes, the file ends ", size - at - 8, " bytes after its tag)");
    at += 8 + count;
  }
}

}  // namespace

MatStructColumns read_mat5_struct(const std::string& path, const std::string& variable,
                                  const std::vector<std::string>& integer_fields,
                                  const std::vector<std::string>& string_fields) {
  silence_matio();
  const std::string where = "read_mat_struct: " + path;
  check_complete(path, where);
  MatFile mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY), Mat_Close);
  MT_CHECK(mat != nullptr, where, ": matio cannot open it as a MATLAB v5 file (corrupt or truncated header)");
  MatVar var(Mat_VarRead(mat.get(), variable.c_str()), Mat_VarFree);
  if (!var) {
    Mat_Rewind(mat.get());
    detail::fail(where, ": no readable variable '", variable, "' (the file holds: ", join_names(variable_names(mat.get())),
                 ")");
  }
  MT_CHECK(var->class_type == MAT_C_STRUCT, where, ": variable '", variable, "' is not a struct");
  MT_CHECK(element_count(var.get()) == 1, where, ": variable '", variable, "' is a ", dims_str(var.get()),
           " struct array (expected 1 x 1)");

  // matio looks fields up in var->data without checking it, which a cut-short file leaves short.
  const size_t field_count = Mat_VarGetNumberOfFields(var.get());
  MT_CHECK(field_count == 0 || (var->data != nullptr && var->nbytes / sizeof(matvar_t*) >= field_count), where,
           ": struct '", variable,
           "' has no data for its ", field_count, " fields (truncated or corrupt file?)");
  MatStructColumns out;
  // Looked up here rather than by Mat_VarGetStructFieldByName, which trusts every name to be there.
  char* const* names = Mat_VarGetStructFieldnames(var.get());
  const auto field_of = [&](const std::string& field) {
    matvar_t* f = nullptr;
    for (size_t i = 0; names && i < field_count; ++i)
      if (names[i] && field == names[i]) f = static_cast<matvar_t**>(var->data)[i];
    MT_CHECK(f != nullptr, where, ": struct '", variable, "' has no field '", field, "' (its fields: ",
             join_names(field_names(var.get())), ")");
    return f;
  };
  for (const std::string& field : integer_fields) out.integers[field] = numbers(field_of(field), where, field);
  for (const std::string& field : string_fields) out.strings[field] = strings(field_of(field), where, field);
  return out;
}

}  // namespace minitorch::internal
