#include "tests/support/op_info.h"

#include <cctype>

#include "autograd/op_list.h"

namespace tz::test {
namespace {

std::map<std::string, OpInfo>& mutable_table() {
  static std::map<std::string, OpInfo> t;
  return t;
}

std::vector<std::string>& mutable_duplicates() {
  static std::vector<std::string> d;
  return d;
}

}  // namespace

const std::vector<DType>& all_dtypes() {
  static const std::vector<DType> v = [] {
    std::vector<DType> r;
    for (int i = 0; i < kNumDTypes; ++i) r.push_back(DType(i));
    return r;
  }();
  return v;
}

std::string OpInfo::node_name() const { return autograd::node_name_of(name); }

const std::vector<DType>& OpInfo::sample_dtypes(size_t i) const {
  return samples.at(i).dtypes.empty() ? dtypes : samples[i].dtypes;
}

OpInfo& OpInfo::sample(std::string sample_name, std::function<TensorList(DType)> make,
                       std::function<TensorList(const TensorList&)> fn, double tol_scale, std::vector<DType> only) {
  samples.push_back(ParitySample{std::move(sample_name), std::move(make), std::move(fn), tol_scale, std::move(only)});
  return *this;
}

OpInfo& OpInfo::grad(std::string sample_name, std::function<TensorList()> make, GradFn fn, GradcheckOptions o) {
  grad_samples.push_back(GradSample{std::move(sample_name), std::move(make), std::move(fn), o});
  return *this;
}

const std::map<std::string, OpInfo>& op_table() { return mutable_table(); }
const std::vector<std::string>& duplicate_op_names() { return mutable_duplicates(); }

OpInfoRegistrar::OpInfoRegistrar(const char* name, const char* where, void (*fill)(OpInfo&)) {
  OpInfo op;
  op.name = name;
  op.where = where;
  fill(op);
  // A second declaration of the same name is kept out of the table and reported by the
  // meta-tests: two entries for one op are exactly the drift this table exists to prevent.
  if (!mutable_table().emplace(op.name, std::move(op)).second) mutable_duplicates().push_back(std::string(name) + " at " + where);
}

std::string test_name_part(const std::string& s) {
  std::string n = s;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

std::function<TensorList(DType)> in(Shape shape, double lo, double hi, uint64_t seed) {
  return [=](DType dt) { return TensorList{make_input(shape, dt, lo, hi, seed)}; };
}

std::function<TensorList(DType)> in2(Shape a, Shape b, double lo, double hi, uint64_t seed) {
  return [=](DType dt) { return TensorList{make_input(a, dt, lo, hi, seed), make_input(b, dt, lo, hi, seed + 1)}; };
}

std::function<TensorList()> gc(Shape shape, double lo, double hi, uint64_t seed) {
  return [=] { return TensorList{gc_input(shape, lo, hi, seed)}; };
}

std::function<TensorList()> gc2(Shape a, Shape b, double lo, double hi, uint64_t seed) {
  return [=] { return TensorList{gc_input(a, lo, hi, seed), gc_input(b, lo, hi, seed + 1)}; };
}

Tensor gc_values(const std::vector<double>& v, const Shape& shape) {
  Tensor t = from_vector<double>(v, shape);
  t.requires_grad_(true);
  return t;
}

}  // namespace tz::test
