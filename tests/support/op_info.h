#pragma once
/// The one table of op test entries (modelled on PyTorch's OpInfo and ggml's test-backend-ops).
///
/// Each op is declared once, in tests/opinfo/<family>.cpp, with TZ_OPINFO:
///
///   TZ_OPINFO(neg) {
///     op.dtypes = kAllButBool;                      // claimed: each runs, each other raises
///     op.sample("transposed", in({3, 5}, -5, 5),    // parity sample, run for every dtype
///               [](const TL& x) { return TL{neg(x[0]), neg(x[0].t())}; });
///     op.grad("", gc({3, 4}), [](const TL& x) { return neg(x[0]); });  // f64 gradcheck sample
///   }
///
/// From the table the test binaries generate, one named test case each:
///  - parity (tests/ops/test_parity_table.cpp): every sample in every dtype it runs for, on every
///    backend against the reference backend ext0 (backends/stub);
///  - dtype checks (same file): the first sample runs in each claimed dtype, and each other dtype
///    raises a tz::Error naming the op (unless the entry says why not);
///  - gradchecks (tests/autograd/test_gradcheck_table.cpp): every grad sample, by finite
///    differences (and grad-of-grad unless its options turn that off);
///  - two meta-tests: every backward node in autograd/op_list.h is produced by some grad sample,
///    and every kernel (op kind, code) of the backend interface is run by some parity sample.
///
/// The entry's name is the op's one spelling: test names are `<name>__<sample>__<dtype>`, and an
/// op with a backward node of its own names it CamelCase + "Backward" (gelu_tanh ->
/// GeluTanhBackward), the spelling autograd/op_list.h lists; the gradcheck meta-test holds the two
/// together.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/support/gradcheck.h"
#include "tests/support/test_support.h"

namespace tz::test {

using TL = TensorList;

/// Every dtype, in enum order (the dtype checks walk it).
const std::vector<DType>& all_dtypes();
inline const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};
inline const std::vector<DType> kInts{DType::I64, DType::I32, DType::I8, DType::U8};
inline const std::vector<DType> kIntsAndBool{DType::I64, DType::I32, DType::I8, DType::U8, DType::Bool};
inline const std::vector<DType> kAll{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64,
                                     DType::I32,  DType::I8,  DType::U8,  DType::Bool};
inline const std::vector<DType> kNumeric{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32,
                                         DType::I8, DType::U8};

/// One parity sample: inputs made on the CPU in the dtype under test (copied to each device), and
/// the op applied to them with this sample's arguments. Outputs may be several (e.g. the op on
/// the input and on a transposed view of it).
struct ParitySample {
  std::string name;
  std::function<TensorList(DType)> make_inputs;
  std::function<TensorList(const TensorList&)> fn;
  /// Tolerance multiplier over default_tolerance(dtype) (e.g. 10 for long reductions).
  double tol_scale = 1.0;
  /// The dtypes this sample runs for; empty: the entry's dtypes.
  std::vector<DType> dtypes;
};

/// One gradcheck sample: f64 CPU inputs (those to check require grad) and a scalar-or-tensor fn.
struct GradSample {
  std::string name;
  std::function<TensorList()> make_inputs;
  GradFn fn;
  GradcheckOptions options;
};

struct OpInfo {
  std::string name;
  /// Where the entry is declared (file:line), for messages.
  std::string where;
  /// The dtypes the op claims to run; parity samples run for each of them.
  std::vector<DType> dtypes;
  std::vector<ParitySample> samples;
  /// Non-empty: the op has a backward, checked on each of these samples.
  std::vector<GradSample> grad_samples;
  /// The op name a dtype error carries when it is not this entry's own (a composite rejecting a
  /// dtype inside the op it is built on, or a family entry whose first sample calls one member).
  std::string raises_as;
  /// Non-empty: why the dtype checks do not run for this entry (e.g. it takes no tensor input of
  /// the dtype under test).
  std::string dtype_skip;

  bool has_backward() const { return !grad_samples.empty(); }
  /// "gelu_tanh" -> "GeluTanhBackward": the node an op with a backward of its own records.
  std::string node_name() const;
  /// The dtypes sample `i` runs for.
  const std::vector<DType>& sample_dtypes(size_t i) const;

  OpInfo& sample(std::string sample_name, std::function<TensorList(DType)> make,
                 std::function<TensorList(const TensorList&)> fn, double tol_scale = 1.0,
                 std::vector<DType> only = {});
  OpInfo& grad(std::string sample_name, std::function<TensorList()> make, GradFn fn, GradcheckOptions o = {});
};

/// The table, ordered by op name (so the generated tests have a stable order whatever the
/// static-initialisation order of the entry files).
const std::map<std::string, OpInfo>& op_table();
/// Names declared more than once (each must be declared in one place); the meta-tests fail on any.
const std::vector<std::string>& duplicate_op_names();

struct OpInfoRegistrar {
  OpInfoRegistrar(const char* name, const char* where, void (*fill)(OpInfo&));
};

/// Test-name-safe form of s: alphanumerics kept, everything else '_'.
std::string test_name_part(const std::string& s);

// ---- input helpers for entries -------------------------------------------------------------
/// make_inputs for one input of the given shape, values in [lo, hi) in the dtype under test.
std::function<TensorList(DType)> in(Shape shape, double lo = -1, double hi = 1, uint64_t seed = 0);
/// make_inputs for two inputs (shapes a and b), values in [lo, hi), seeds `seed` and `seed + 1`.
std::function<TensorList(DType)> in2(Shape a, Shape b, double lo = -1, double hi = 1, uint64_t seed = 1);
/// Gradcheck inputs: one f64 input requiring grad.
std::function<TensorList()> gc(Shape shape, double lo = -1, double hi = 1, uint64_t seed = 0);
/// Gradcheck inputs: two f64 inputs requiring grad (seeds `seed`, `seed + 1`).
std::function<TensorList()> gc2(Shape a, Shape b, double lo = -1, double hi = 1, uint64_t seed = 1);
/// f64 input with exact values (for ties and zeros), requiring grad.
Tensor gc_values(const std::vector<double>& v, const Shape& shape);

}  // namespace tz::test

#define TZ_OPINFO_CAT2(a, b) a##b
#define TZ_OPINFO_CAT(a, b) TZ_OPINFO_CAT2(a, b)
#define TZ_OPINFO_STR2(x) #x
#define TZ_OPINFO_STR(x) TZ_OPINFO_STR2(x)
/// Declares the entry of op `id` (a snake_case identifier: the op's one spelling); the block that
/// follows fills `op` (an OpInfo&) at static-initialisation time.
#define TZ_OPINFO(id)                                                                                           \
  static void TZ_OPINFO_CAT(tz_opinfo_fill_, id)(::tz::test::OpInfo & op);                                     \
  static const ::tz::test::OpInfoRegistrar TZ_OPINFO_CAT(tz_opinfo_reg_, id)(                                  \
      #id, __FILE__ ":" TZ_OPINFO_STR(__LINE__), &TZ_OPINFO_CAT(tz_opinfo_fill_, id));                          \
  static void TZ_OPINFO_CAT(tz_opinfo_fill_, id)([[maybe_unused]] ::tz::test::OpInfo & op)
