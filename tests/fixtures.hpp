#pragma once
// Reader for the fixture files that tools/make_fixtures.py writes with PyTorch.
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"

struct FixtureCase {
  std::string name;
  std::vector<std::pair<std::string, mt::Tensor>> tensors;  // (tag, tensor) in file order
  std::map<std::string, std::string> text;                   // other tagged lines

  std::vector<mt::Tensor> all(const std::string& tag) const {
    std::vector<mt::Tensor> out;
    for (const auto& [t, v] : tensors)
      if (t == tag) out.push_back(v);
    return out;
  }
};

inline mt::DType parse_dtype(const std::string& s) {
  for (mt::DType t : {mt::kBool, mt::kUInt8, mt::kInt64, mt::kFloat16, mt::kBFloat16, mt::kFloat32, mt::kFloat64})
    if (s == mt::dtype_name(t)) return t;
  FAIL("unknown dtype in fixture: " << s);
  return mt::kFloat32;
}

// "DTYPE NDIM DIMS... VALUES..." -> tensor (values are exact decimal reprs of the stored values)
inline mt::Tensor parse_tensor(std::istringstream& in) {
  std::string dtype;
  int ndim = 0;
  in >> dtype >> ndim;
  mt::Shape shape(static_cast<size_t>(ndim));
  for (auto& s : shape) in >> s;
  std::vector<double> values;
  std::string v;
  while (in >> v) values.push_back(v == "nan" ? NAN : v == "inf" ? INFINITY : v == "-inf" ? -INFINITY : std::stod(v));
  const mt::DType t = parse_dtype(dtype);
  return mt::tensor(values, {}, {.dtype = mt::kFloat64}).reshape(shape).to(t);
}

inline std::vector<FixtureCase> load_fixtures(const std::string& file) {
  std::ifstream in(std::string(MINITORCH_FIXTURES) + "/" + file);
  REQUIRE_MESSAGE(in.good(), "cannot open fixture " << file);
  std::vector<FixtureCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string tag;
    ls >> tag;
    if (tag == "case") {
      cases.emplace_back();
      ls >> cases.back().name;
    } else if (tag == "input" || tag == "weight" || tag == "output" || tag == "grad" || tag == "tensor") {
      cases.back().tensors.emplace_back(tag, parse_tensor(ls));
    } else {
      std::string rest;
      std::getline(ls, rest);
      cases.back().text[tag] = rest.empty() ? rest : rest.substr(1);
    }
  }
  return cases;
}
