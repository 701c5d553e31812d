// Tensors print exactly as PyTorch prints them (tests/fixtures/torch_print.txt).
#include "fixtures.hpp"

using namespace mt;

namespace {
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out += s[i + 1] == 'n' ? '\n' : s[i + 1];
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

TEST_CASE("str() matches torch's str() character for character") {
  const auto cases = load_fixtures("torch_print.txt");
  CHECK(cases.size() >= 20);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Tensor t = c.all("tensor")[0];
    if (c.text.at("flags") == "requires_grad=1") t.requires_grad_();
    const std::string expected = unescape(c.text.at("text"));
    CHECK_MESSAGE(t.str() == expected, "got\n" << t.str() << "\nexpected\n" << expected);
  }
}

TEST_CASE("results of ops show their grad_fn") {
  Tensor x = ones({2}, {.requires_grad = true});
  CHECK((x * 2.0).str() == "tensor([2., 2.], grad_fn=<MulBackward0>)");
  std::ostringstream out;
  out << zeros({1});
  CHECK(out.str() == "tensor([0.])");
}

TEST_CASE("int64 values print exactly, beyond 2^53") {
  // As torch.tensor([2**53 + 1, -2**63]) prints; through double both would be rounded.
  const Tensor big = from_vector<int64_t>({(int64_t(1) << 53) + 1, INT64_MIN}, {2});
  CHECK(big.str() == "tensor([    9007199254740993, -9223372036854775808])");
}
