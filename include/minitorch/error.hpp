#pragma once
// The one exception type of minitorch. Every message names the op (or file) that failed, what it
// was given and what it expected, e.g. "add: shapes [2, 3] and [4] cannot be broadcast".
#include <sstream>
#include <stdexcept>
#include <string>

namespace minitorch {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw Error(out.str());
}
}  // namespace detail

}  // namespace minitorch

// MT_CHECK(cond, "op", ": message ", value, ...) throws minitorch::Error with the joined message.
#define MT_CHECK(cond, ...)                                  \
  do {                                                       \
    if (!(cond)) ::minitorch::detail::fail(__VA_ARGS__);     \
  } while (0)
