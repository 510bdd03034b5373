#pragma once
/// tz::Error and the checking macros every op uses.
/// Messages start with the op name in brackets and show shapes, dtypes and devices, e.g.
/// "[matmul] shapes [2, 3] and [4, 5] do not match: inner dims 3 != 4".
#include <sstream>
#include <stdexcept>
#include <string>

namespace tz {

/// The one exception type tensorzoo throws for bad input or unsupported requests.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... R>
void append(std::ostringstream& os, const T& v, const R&... rest) {
  os << v;
  append(os, rest...);
}
}  // namespace detail

/// Concatenates the streamed pieces into a string ("[op] ", shape, " ...").
template <class... A>
std::string cat_str(const A&... a) {
  std::ostringstream os;
  detail::append(os, a...);
  return os.str();
}

}  // namespace tz

/// Throws tz::Error("[op] " + pieces...) when cond is false.
#define TZ_CHECK(cond, op, ...)                                              \
  do {                                                                       \
    if (!(cond)) throw ::tz::Error(::tz::cat_str("[", op, "] ", __VA_ARGS__)); \
  } while (0)

/// Unconditional error.
#define TZ_FAIL(op, ...) throw ::tz::Error(::tz::cat_str("[", op, "] ", __VA_ARGS__))
