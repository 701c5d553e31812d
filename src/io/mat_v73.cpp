// MATLAB v7.3 .mat files (HDF5) through libhdf5, in the layout MATLAB writes: a struct variable
// is a group, each field a dataset in it; numbers are numeric datasets; a cell is a dataset of
// object references to datasets under #refs#, each char array there a uint16 (UTF-16) dataset,
// an empty one a uint64 dataset with the attribute MATLAB_empty. Only the fields asked for are
// opened, so a huge field (CACD's `feature`) costs nothing.
#include <hdf5.h>

#include <algorithm>
#include <utility>

#include "mat_internal.hpp"
#include "minitorch/error.hpp"

namespace minitorch::internal {

namespace {

// An HDF5 identifier closed by the function that matches its kind.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// libhdf5 prints its error stack on stderr by default; here every failure becomes an Error, so
// the printing is switched off while a file is read, and restored afterwards.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

std::vector<std::string> member_names(hid_t group) {
  std::vector<std::string> names;
  // The unversioned names map to the matching API in libhdf5 1.10 and 1.12+.
  H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
             [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
               const std::string n = name;
               if (n != "#refs#" && n != "#subsystem#") static_cast<std::vector<std::string>*>(out)->push_back(n);
               return 0;
             },
             &names);
  return names;
}

bool is_kind(hid_t parent, const std::string& name, H5I_type_t kind) {
  if (H5Lexists(parent, name.c_str(), H5P_DEFAULT) <= 0) return false;
  Handle object(H5Oopen(parent, name.c_str(), H5P_DEFAULT), H5Oclose);
  return object.ok() && H5Iget_type(object.get()) == kind;
}

// The number of elements of a dataset, or size_t(-1) when its shape cannot be read or it
// claims more elements than its stored bytes can hold: compression (zlib) shrinks data at most
// about 1032 times, so a corrupt size cannot make the reader allocate gigabytes.
size_t point_count(hid_t dataset) {
  Handle space(H5Dget_space(dataset), H5Sclose);
  const hssize_t n = space.ok() ? H5Sget_simple_extent_npoints(space.get()) : -1;
  if (n < 0) return size_t(-1);
  Handle type(H5Dget_type(dataset), H5Tclose);
  const size_t element_bytes = type.ok() ? std::max<size_t>(H5Tget_size(type.get()), 1) : 1;
  const double most = 1100.0 * double(H5Dget_storage_size(dataset)) + 4096.0;
  return double(n) * double(element_bytes) > most ? size_t(-1) : size_t(n);
}

bool matlab_empty(hid_t object) { return H5Aexists(object, "MATLAB_empty") > 0; }

class Reader {
 public:
  Reader(const std::string& path, const std::string& variable) : where_("read_mat_struct: " + path), variable_(variable) {}

  MatStructColumns read(const std::string& path, const std::vector<std::string>& integer_fields,
                        const std::vector<std::string>& string_fields) {
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    MT_CHECK(file.ok(), where_, ": libhdf5 cannot open it (a v7.3 .mat file is an HDF5 file; corrupt or truncated?)");
    MT_CHECK(is_kind(file.get(), variable_, H5I_GROUP), where_, ": no struct variable '", variable_,
             "' (the file holds: ", join_names(member_names(file.get())), ")");
    Handle group(H5Gopen2(file.get(), variable_.c_str(), H5P_DEFAULT), H5Gclose);
    MT_CHECK(group.ok(), where_, ": cannot open struct '", variable_, "'");

    MatStructColumns out;
    for (const std::string& field : integer_fields) {
      Handle d = open_field(group.get(), field);
      out.integers[field] = numbers(d.get(), field);
    }
    for (const std::string& field : string_fields) {
      Handle d = open_field(group.get(), field);
      out.strings[field] = strings(d.get(), field);
    }
    return out;
  }

 private:
  Handle open_field(hid_t group, const std::string& field) const {
    MT_CHECK(is_kind(group, field, H5I_DATASET), where_, ": struct '", variable_, "' has no field '", field,
             "' (its fields: ", join_names(member_names(group)), ")");
    Handle d(H5Dopen2(group, field.c_str(), H5P_DEFAULT), H5Dclose);
    MT_CHECK(d.ok(), where_, ": cannot open field '", field, "'");
    return d;
  }

  std::vector<int64_t> numbers(hid_t d, const std::string& field) const {
    if (matlab_empty(d)) return {};
    Handle type(H5Dget_type(d), H5Tclose);
    const H5T_class_t cls = H5Tget_class(type.get());
    MT_CHECK(cls == H5T_INTEGER || cls == H5T_FLOAT, where_, ": field '", field,
             "' is not numeric (expected MATLAB numbers, e.g. float64 (1, N))");
    const size_t n = point_count(d);
    MT_CHECK(n != size_t(-1), where_, ": field '", field, "' has an unreadable shape or more elements than its data");
    // Read as double whatever the stored type (libhdf5 converts); every CACD value is exact in it.
    std::vector<double> values(n);
    MT_CHECK(n == 0 || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0, where_,
             ": cannot read field '", field, "' (truncated or corrupt file?)");
    std::vector<int64_t> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = whole_number(values[i], where_, field, i);
    return out;
  }

  std::vector<std::string> strings(hid_t d, const std::string& field) const {
    if (matlab_empty(d)) return {};
    Handle type(H5Dget_type(d), H5Tclose);
    MT_CHECK(H5Tget_class(type.get()) == H5T_REFERENCE, where_, ": field '", field,
             "' is not a cell array (expected object references to char arrays)");
    const size_t n = point_count(d);
    MT_CHECK(n != size_t(-1), where_, ": field '", field, "' has an unreadable shape or more elements than its data");
    std::vector<hobj_ref_t> refs(n);
    MT_CHECK(n == 0 || H5Dread(d, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, refs.data()) >= 0, where_,
             ": cannot read the references of field '", field, "'");
    std::vector<std::string> out;
    out.reserve(n);
    std::vector<uint16_t> units;
    for (size_t i = 0; i < n; ++i) {
      Handle c(H5Rdereference2(d, H5P_DEFAULT, H5R_OBJECT, &refs[i]), H5Oclose);
      MT_CHECK(c.ok() && H5Iget_type(c.get()) == H5I_DATASET, where_, ": field '", field, "' cell ", i,
               " does not refer to a dataset (expected a char array under #refs#)");
      out.push_back(char_array(c.get(), field, i, units));
    }
    return out;
  }

  std::string char_array(hid_t c, const std::string& field, size_t index, std::vector<uint16_t>& units) const {
    Handle type(H5Dget_type(c), H5Tclose);
    const bool chars = H5Tget_class(type.get()) == H5T_INTEGER && H5Tget_size(type.get()) == 2;
    if (!chars && matlab_empty(c)) return "";
    MT_CHECK(chars, where_, ": field '", field, "' cell ", index,
             " is not a char array (expected uint16 UTF-16 characters)");
    const size_t n = point_count(c);
    MT_CHECK(n != size_t(-1), where_, ": field '", field, "' cell ", index, " has an unreadable shape or more elements than its data");
    units.resize(n);
    MT_CHECK(n == 0 || H5Dread(c, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, units.data()) >= 0, where_,
             ": cannot read field '", field, "' cell ", index);
    return utf16_to_utf8(units.data(), n);
  }

  std::string where_;
  std::string variable_;
};

}  // namespace

MatStructColumns read_mat73_struct(const std::string& path, const std::string& variable,
                                   const std::vector<std::string>& integer_fields,
                                   const std::vector<std::string>& string_fields) {
  QuietHdf5 quiet;
  return Reader(path, variable).read(path, integer_fields, string_fields);
}

}  // namespace minitorch::internal
