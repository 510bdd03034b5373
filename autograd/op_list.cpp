#include "autograd/op_list.h"

#include <algorithm>

namespace tz::autograd {

const std::vector<std::string_view>& listed_ops() {
#define TZ_OP_NAME(n) #n,
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v{TZ_DIFFERENTIABLE_OPS(TZ_OP_NAME)};
    std::sort(v.begin(), v.end());
    return v;
  }();
#undef TZ_OP_NAME
  return names;
}

bool is_listed_op(std::string_view name) {
  const auto& v = listed_ops();
  return std::binary_search(v.begin(), v.end(), name);
}

}  // namespace tz::autograd
