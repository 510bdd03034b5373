#include "autograd/op_list.h"

#include <algorithm>
#include <cctype>

namespace tz::autograd {

std::string node_name_of(std::string_view op) {
  std::string n;
  bool upper = true;
  for (char c : op) {
    if (c == '_') {
      upper = true;
      continue;
    }
    n += upper ? char(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return n + "Backward";
}

const std::vector<std::string_view>& listed_op_names() {
#define TZ_OP_NAME(n) #n,
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v{TZ_DIFFERENTIABLE_OPS(TZ_OP_NAME)};
    std::sort(v.begin(), v.end());
    return v;
  }();
#undef TZ_OP_NAME
  return names;
}

const std::vector<std::string_view>& listed_ops() {
  // The derived node names live as long as the program (string_views into this vector).
  static const std::vector<std::string> storage = [] {
    std::vector<std::string> v;
    for (auto op : listed_op_names()) v.push_back(node_name_of(op));
    std::sort(v.begin(), v.end());
    return v;
  }();
  static const std::vector<std::string_view> names(storage.begin(), storage.end());
  return names;
}

bool is_listed_op(std::string_view node) {
  const auto& v = listed_ops();
  return std::binary_search(v.begin(), v.end(), node);
}

}  // namespace tz::autograd
