#pragma once
// Writers of CACD-style .mat files for the .mat reader's tests and benchmark:
// - write_cacd_matio: through matio, MATLAB v5 or v7.3, columns of the given matio class;
// - write_cacd_hdf5: through libhdf5 directly, in the v7.3 layout MATLAB itself writes
//   (a 512-byte user block with the MAT header, float64 (1, N) columns, names as object
//   references to uint16 datasets under #refs#), fast enough for the full 163,446 rows.
#include <hdf5.h>
#include <matio.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

inline void mat_writer_check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("mat_writer: " + what);
}

struct CacdRows {
  std::vector<double> age, identity, year, rank, lfw, birth;
  std::vector<std::string> name;  // ASCII or UTF-8 (v7.3 via libhdf5 stores UTF-16)
};

// N rows of made-up but plausible values; names "AGE_Person_<identity>_<i>.jpg".
inline CacdRows make_cacd_rows(size_t n) {
  CacdRows r;
  for (size_t i = 0; i < n; ++i) {
    r.age.push_back(double(14 + i % 49));
    r.identity.push_back(double(1 + i % 2000));
    r.year.push_back(double(2004 + i % 10));
    r.rank.push_back(double(1 + i % 50));
    r.lfw.push_back(double(i % 2));
    r.birth.push_back(double(1951 + i % 40));
    std::string name = std::to_string(14 + i % 49);
    name += "_Person_";
    name += std::to_string(1 + i % 2000);
    name += "_";
    name += std::to_string(i);
    name += ".jpg";
    r.name.push_back(name);
  }
  return r;
}

// ---- matio ------------------------------------------------------------------------------------

// A column N x 1 of `cls` holding `values` (converted).
inline matvar_t* matio_column(const std::vector<double>& values, matio_classes cls) {
  size_t dims[2] = {values.size(), 1};
  if (cls == MAT_C_DOUBLE) return Mat_VarCreate(nullptr, cls, MAT_T_DOUBLE, 2, dims, const_cast<double*>(values.data()), 0);
  if (cls == MAT_C_UINT8) {
    std::vector<uint8_t> v(values.begin(), values.end());
    return Mat_VarCreate(nullptr, cls, MAT_T_UINT8, 2, dims, v.data(), 0);  // copies: flag 0
  }
  std::vector<uint16_t> v(values.begin(), values.end());
  return Mat_VarCreate(nullptr, MAT_C_UINT16, MAT_T_UINT16, 2, dims, v.data(), 0);
}

inline matvar_t* matio_names(const std::vector<std::string>& names) {
  size_t dims[2] = {names.size(), 1};
  matvar_t* cell = Mat_VarCreate(nullptr, MAT_C_CELL, MAT_T_CELL, 2, dims, nullptr, 0);
  for (size_t i = 0; i < names.size(); ++i) {
    size_t cd[2] = {1, names[i].size()};
    Mat_VarSetCell(cell, int(i), Mat_VarCreate(nullptr, MAT_C_CHAR, MAT_T_UINT8, 2, cd, const_cast<char*>(names[i].data()), 0));
  }
  return cell;
}

// Writes struct `variable` with the CACD image fields (minus `skip_field`), numbers as `cls`.
// neighbours: in a v5 file, the struct is written between a compressed and an uncompressed 1 x 1
// variable, so that elements start at offsets that are not multiples of 8 (a compressed element
// is not padded), as MATLAB's save -append leaves them. (The struct itself stays uncompressed: a
// cell of strings that matio 1.5 writes compressed reads back broken after its first string,
// while scipy's compressed cacd_meta_v7.mat reads whole, so that file is the compressed case.)
inline void write_cacd_matio(const std::string& path, mat_ft version, const CacdRows& rows,
                             matio_classes cls = MAT_C_UINT16, const std::string& variable = "celebrityImageData",
                             const std::string& skip_field = "", bool neighbours = false) {
  std::vector<std::pair<std::string, matvar_t*>> fields = {
      {"age", matio_column(rows.age, cls)},   {"identity", matio_column(rows.identity, cls)},
      {"year", matio_column(rows.year, cls)}, {"rank", matio_column(rows.rank, cls)},
      {"lfw", matio_column(rows.lfw, cls)},   {"birth", matio_column(rows.birth, cls)},
      {"name", matio_names(rows.name)}};
  std::vector<const char*> names;
  for (auto it = fields.begin(); it != fields.end();) {
    if (it->first == skip_field) {
      Mat_VarFree(it->second);
      it = fields.erase(it);
    } else {
      names.push_back(it->first.c_str());
      ++it;
    }
  }
  size_t one[2] = {1, 1};
  matvar_t* st = Mat_VarCreateStruct(variable.c_str(), 2, one, names.data(), unsigned(names.size()));
  for (auto& [name, var] : fields) Mat_VarSetStructFieldByName(st, name.c_str(), 0, var);
  mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, version);
  mat_writer_check(mat != nullptr, "matio cannot create " + path);
  const auto write_scalar = [&](const char* name, double value, matio_compression compression) {
    size_t dims[2] = {1, 1};
    matvar_t* v = Mat_VarCreate(name, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, &value, 0);
    const int failed = Mat_VarWrite(mat, v, compression);
    Mat_VarFree(v);
    mat_writer_check(failed == 0, "matio cannot write " + path);
  };
  if (neighbours) write_scalar("before", 1.5, MAT_COMPRESSION_ZLIB);
  const int written = Mat_VarWrite(mat, st, MAT_COMPRESSION_NONE);
  if (neighbours) write_scalar("after", 2.5, MAT_COMPRESSION_NONE);
  Mat_VarFree(st);
  Mat_Close(mat);
  mat_writer_check(written == 0, "matio cannot write " + path);
}

// ---- libhdf5, MATLAB's own v7.3 layout -------------------------------------------------------

inline void hdf5_class_attribute(hid_t object, const char* cls) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, std::strlen(cls));
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(object, "MATLAB_class", type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, type, cls);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

inline void hdf5_row(hid_t group, const char* name, const std::vector<double>& values) {
  hsize_t dims[2] = {1, values.size()};
  const hid_t space = H5Screate_simple(2, dims, nullptr);
  const hid_t d = H5Dcreate2(group, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  hdf5_class_attribute(d, "double");
  H5Dclose(d);
  H5Sclose(space);
}

// ASCII names only (each char one UTF-16 unit). Only the image struct, no `feature`.
inline void write_cacd_hdf5(const std::string& path, const CacdRows& rows) {
  const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_userblock(fcpl, 512);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  H5Pclose(fcpl);
  mat_writer_check(file >= 0, "libhdf5 cannot create " + path);
  const hid_t refs = H5Gcreate2(file, "#refs#", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t group = H5Gcreate2(file, "celebrityImageData", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hdf5_class_attribute(group, "struct");
  hdf5_row(group, "age", rows.age);
  hdf5_row(group, "identity", rows.identity);
  hdf5_row(group, "year", rows.year);
  hdf5_row(group, "rank", rows.rank);
  hdf5_row(group, "lfw", rows.lfw);
  hdf5_row(group, "birth", rows.birth);

  std::vector<hobj_ref_t> refs_out(rows.name.size());
  std::vector<uint16_t> units;
  for (size_t i = 0; i < rows.name.size(); ++i) {
    units.assign(rows.name[i].begin(), rows.name[i].end());
    hsize_t dims[2] = {units.size(), 1};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    std::string name = "n";
    name += std::to_string(i);
    const hid_t d = H5Dcreate2(refs, name.c_str(), H5T_STD_U16LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, units.data());
    hdf5_class_attribute(d, "char");
    H5Dclose(d);
    H5Sclose(space);
    H5Rcreate(&refs_out[i], refs, name.c_str(), H5R_OBJECT, -1);
  }
  hsize_t dims[2] = {1, rows.name.size()};
  const hid_t space = H5Screate_simple(2, dims, nullptr);
  const hid_t names = H5Dcreate2(group, "name", H5T_STD_REF_OBJ, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(names, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, refs_out.data());
  hdf5_class_attribute(names, "cell");
  H5Dclose(names);
  H5Sclose(space);
  H5Gclose(group);
  H5Gclose(refs);
  H5Fclose(file);

  // The MAT header in the user block: text, subsystem offset, version 0x0200, "IM".
  char header[128];
  std::memset(header, ' ', 116);
  const char text[] = "MATLAB 7.3 MAT-file, written by minitorch's tests. HDF5 schema 1.00 .";
  std::memcpy(header, text, sizeof text - 1);
  std::memset(header + 116, 0, 8);
  header[124] = 0x00, header[125] = 0x02, header[126] = 'I', header[127] = 'M';
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  mat_writer_check(f != nullptr, "cannot reopen " + path);
  std::fwrite(header, 1, sizeof header, f);
  std::fclose(f);
}
