// celebrity2000_meta.mat through matio.
#include "synth_mat.hpp"

#include <fcntl.h>
#include <matio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include "minitorch/error.hpp"

namespace faceage::synth {
namespace {

using VarPtr = std::unique_ptr<matvar_t, decltype(&Mat_VarFree)>;

VarPtr own(matvar_t* var) {
  MT_CHECK(var != nullptr, "write_cacd_meta: matio could not create a variable");
  return VarPtr(var, &Mat_VarFree);
}

// An N x 1 numeric column. Mat_VarCreate copies the data (no MAT_F_DONT_COPY_DATA), so the
// const_cast never lets matio write into `values`.
template <class T>
VarPtr column(const std::vector<T>& values, matio_classes cls, matio_types type) {
  size_t dims[2] = {values.size(), 1};
  return own(Mat_VarCreate(nullptr, cls, type, 2, dims, const_cast<T*>(values.data()), 0));
}

VarPtr uint8_column(const std::vector<uint8_t>& v) { return column(v, MAT_C_UINT8, MAT_T_UINT8); }
VarPtr uint16_column(const std::vector<uint16_t>& v) { return column(v, MAT_C_UINT16, MAT_T_UINT16); }

// A char row vector stored as miUTF8, as scipy.io.savemat writes text; the dimensions count
// characters (code points), not bytes.
VarPtr char_row(const std::string& utf8) {
  size_t characters = 0;
  for (unsigned char c : utf8) characters += (c & 0xC0) != 0x80;  // skip continuation bytes
  size_t dims[2] = {1, characters};
  return own(Mat_VarCreate(nullptr, MAT_C_CHAR, MAT_T_UTF8, 2, dims, const_cast<char*>(utf8.data()), 0));
}

VarPtr cell_column(const std::vector<std::string>& texts) {
  size_t dims[2] = {texts.size(), 1};
  VarPtr cell = own(Mat_VarCreate(nullptr, MAT_C_CELL, MAT_T_CELL, 2, dims, nullptr, 0));
  for (size_t i = 0; i < texts.size(); ++i) Mat_VarSetCell(cell.get(), int(i), char_row(texts[i]).release());
  return cell;
}

VarPtr empty_uint8() {
  size_t dims[2] = {0, 0};
  return own(Mat_VarCreate(nullptr, MAT_C_UINT8, MAT_T_UINT8, 2, dims, nullptr, 0));
}

// A 1x1 struct whose fields are given in file order; the struct takes ownership of them.
VarPtr struct_1x1(const char* name, std::vector<std::pair<const char*, VarPtr>> fields) {
  std::vector<const char*> names;
  for (const auto& f : fields) names.push_back(f.first);
  names.push_back(nullptr);
  size_t dims[2] = {1, 1};
  VarPtr s = own(Mat_VarCreateStruct2(name, 2, dims, names.data()));
  for (auto& [field, var] : fields) Mat_VarSetStructFieldByName(s.get(), field, 0, var.release());
  return s;
}

VarPtr celebrity_data(const CacdPlan& plan) {
  std::vector<std::string> name;
  std::vector<uint16_t> identity, birth;
  std::vector<uint8_t> rank, lfw;
  for (const Celebrity& c : plan.celebrities) {
    name.push_back(c.name);
    identity.push_back(uint16_t(c.identity));
    birth.push_back(uint16_t(c.birth));
    rank.push_back(uint8_t(c.rank));
    lfw.push_back(uint8_t(c.lfw));
  }
  std::vector<std::pair<const char*, VarPtr>> fields;
  fields.emplace_back("name", cell_column(name));
  fields.emplace_back("identity", uint16_column(identity));
  fields.emplace_back("birth", uint16_column(birth));
  fields.emplace_back("rank", uint8_column(rank));
  fields.emplace_back("lfw", uint8_column(lfw));
  return struct_1x1("celebrityData", std::move(fields));
}

VarPtr celebrity_image_data(const CacdPlan& plan) {
  std::vector<uint8_t> age, rank, lfw;
  std::vector<uint16_t> identity, year, birth;
  std::vector<std::string> name;
  for (const CacdImage& image : plan.images) {
    const Celebrity& c = plan.celebrities.at(size_t(image.identity - 1));
    age.push_back(uint8_t(image.age));
    identity.push_back(uint16_t(image.identity));
    year.push_back(uint16_t(image.year));
    rank.push_back(uint8_t(c.rank));
    lfw.push_back(uint8_t(c.lfw));
    birth.push_back(uint16_t(c.birth));
    name.push_back(image.file);
  }
  std::vector<std::pair<const char*, VarPtr>> fields;
  fields.emplace_back("age", uint8_column(age));
  fields.emplace_back("identity", uint16_column(identity));
  fields.emplace_back("year", uint16_column(year));
  fields.emplace_back("feature", empty_uint8());
  fields.emplace_back("rank", uint8_column(rank));
  fields.emplace_back("lfw", uint8_column(lfw));
  fields.emplace_back("birth", uint16_column(birth));
  fields.emplace_back("name", cell_column(name));
  return struct_1x1("celebrityImageData", std::move(fields));
}

// Writes the variables into `temp`; returns an error text, empty on success.
std::string write_variables(const std::string& temp, const VarPtr (&vars)[2]) {
  // A fixed header text: matio's default one holds the time, which would make the bytes vary.
  mat_t* mat = Mat_CreateVer(temp.c_str(), "MATLAB 5.0 MAT-file, written by faceage synth with libmatio",
                             MAT_FT_MAT5);
  if (mat == nullptr) return "matio cannot create the file";
  std::string error;
  for (const VarPtr& var : vars)
    // Uncompressed: matio 1.5.23 misreads a compressed cell of UTF-8 strings once one of them has
    // a multi-byte character (it sizes the data by characters, not bytes), and crashes after it.
    if (error.empty() && Mat_VarWrite(mat, var.get(), MAT_COMPRESSION_NONE) != 0)
      error = std::string("matio cannot write the variable ") + var->name;
  if (Mat_Close(mat) != 0 && error.empty()) error = "matio cannot close the file";
  return error;
}

}  // namespace

void write_cacd_meta(const std::string& path, const CacdPlan& plan) {
  // Everything that may throw happens before any file exists.
  const VarPtr vars[2] = {celebrity_data(plan), celebrity_image_data(plan)};
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = mkstemp(temp.data());
  MT_CHECK(fd >= 0, "write_cacd_meta: cannot create a temporary file next to '", path, "': ", std::strerror(errno));
  ::fchmod(fd, 0644);  // mkstemp makes it private (0600)
  ::close(fd);
  std::string error = write_variables(temp, vars);
  if (error.empty()) {
    // The data is on disk before the name points at it.
    const int sync_fd = ::open(temp.c_str(), O_RDONLY);
    if (sync_fd < 0 || ::fsync(sync_fd) != 0) error = std::strerror(errno);
    if (sync_fd >= 0) ::close(sync_fd);
  }
  if (error.empty() && std::rename(temp.c_str(), path.c_str()) != 0) error = std::strerror(errno);
  if (!error.empty()) {
    std::remove(temp.c_str());
    minitorch::detail::fail("write_cacd_meta: cannot write '", path, "': ", error);
  }
}

}  // namespace faceage::synth
