// Generated from the op table (tests/support/op_info.h): every parity sample on every backend
// against the reference backend, the dtype checks of every op, and the coverage meta-test that
// every kernel of the backend interface is run by some sample.
#include <set>

#include "backends/stub/stub_coverage.h"
#include "tests/support/op_info.h"
#include "tests/support/parity.h"

namespace tz::test {
namespace {

TensorList to_device_all(const TensorList& xs, const Device& d) {
  TensorList out;
  for (const Tensor& x : xs) out.push_back(x.defined() ? x.to(d) : x);
  return out;
}

// ---- parity ------------------------------------------------------------------------------------
struct ParityParam {
  std::string op;
  size_t sample;
  DType dtype;
};

// Printed in failure messages instead of the parameter's bytes.
void PrintTo(const ParityParam& p, std::ostream* os) { *os << p.op << " sample " << p.sample << " " << dtype_name(p.dtype); }

class Parity : public ::testing::TestWithParam<ParityParam> {};

TEST_P(Parity, MatchesReference) {
  if (!has_backend(reference_device().type)) GTEST_SKIP() << "reference backend (ext0) not registered";
  const OpInfo& op = op_table().at(GetParam().op);
  const ParitySample& s = op.samples[GetParam().sample];
  const DType dt = GetParam().dtype;
  const std::string what = op.name + "/" + s.name + " [" + dtype_name(dt) + "]";
  const TensorList inputs = s.make_inputs(dt);
  const TensorList expected = s.fn(to_device_all(inputs, reference_device()));
  for (const Device& d : test_devices()) {
    const TensorList got = s.fn(to_device_all(inputs, d));
    ASSERT_EQ(got.size(), expected.size()) << what << " on " << d.str();
    for (size_t i = 0; i < got.size(); ++i) {
      const Tolerance t = default_tolerance(got[i].dtype());
      EXPECT_EQ(got[i].dtype(), expected[i].dtype()) << what << " output " << i << " on " << d.str();
      EXPECT_TRUE(tensors_close(got[i].cpu(), expected[i].cpu(), t.rtol * s.tol_scale, t.atol * s.tol_scale))
          << what << " output " << i << " on " << d.str();
    }
  }
}

std::vector<ParityParam> parity_params() {
  std::vector<ParityParam> p;
  for (const auto& [name, op] : op_table())
    for (size_t i = 0; i < op.samples.size(); ++i)
      for (DType dt : op.sample_dtypes(i)) p.push_back({name, i, dt});
  return p;
}

std::string parity_name(const ::testing::TestParamInfo<ParityParam>& info) {
  const OpInfo& op = op_table().at(info.param.op);
  const ParitySample& s = op.samples[info.param.sample];
  // The sample index keeps names unique even when two samples share a name.
  return test_name_part(op.name) + "__" + std::to_string(info.param.sample) + "_" + test_name_part(s.name) + "__" +
         dtype_name(info.param.dtype);
}

INSTANTIATE_TEST_SUITE_P(Table, Parity, ::testing::ValuesIn(parity_params()), parity_name);

// ---- dtypes ------------------------------------------------------------------------------------
struct DtypeParam {
  std::string op;
  DType dtype;
};

void PrintTo(const DtypeParam& p, std::ostream* os) { *os << p.op << " " << dtype_name(p.dtype); }

class Dtypes : public ::testing::TestWithParam<DtypeParam> {};

bool claims(const OpInfo& op, DType dt) {
  for (DType d : op.dtypes)
    if (d == dt) return true;
  return false;
}

// A claimed dtype runs (its first sample, on the CPU); any other dtype raises a tz::Error that
// names the op, instead of computing something in a dtype the op was never meant for.
TEST_P(Dtypes, ClaimedRunOthersRaise) {
  const OpInfo& op = op_table().at(GetParam().op);
  const DType dt = GetParam().dtype;
  const ParitySample& s = op.samples.front();
  if (claims(op, dt)) {
    EXPECT_NO_THROW(s.fn(s.make_inputs(dt))) << op.name << " claims " << dtype_name(dt);
    return;
  }
  // Inputs that cannot be made in dt (e.g. a range the dtype cannot hold) are made in f64 and
  // cast, so the op itself is what is asked to handle dt.
  TensorList inputs = s.make_inputs(DType::F64);
  for (Tensor& t : inputs)
    if (t.defined() && t.dtype() == DType::F64) t = t.to(dt);
  EXPECT_TZ_ERROR(s.fn(inputs), op.raises_as.empty() ? op.name : op.raises_as);
}

std::vector<DtypeParam> dtype_params() {
  std::vector<DtypeParam> p;
  for (const auto& [name, op] : op_table()) {
    if (!op.dtype_skip.empty() || op.samples.empty()) continue;
    for (DType dt : all_dtypes()) p.push_back({name, dt});
  }
  return p;
}

std::string dtype_param_name(const ::testing::TestParamInfo<DtypeParam>& info) {
  return test_name_part(info.param.op) + "__" + dtype_name(info.param.dtype);
}

INSTANTIATE_TEST_SUITE_P(Table, Dtypes, ::testing::ValuesIn(dtype_params()), dtype_param_name);

// ---- coverage ----------------------------------------------------------------------------------
// The switches over OpKind below have no default: with -Wswitch an error here, a new kind (or a
// kind whose codes are not listed) fails to compile until it is added, and the walk over the
// kinds (0 up to the first value that kernel_codes does not know) then includes it.
#pragma GCC diagnostic error "-Wswitch"

/// The codes of kind k's kernels (the family enum's values; {0} for a kind without one); empty
/// for a value past the last kind.
std::vector<int> kernel_codes(OpKind k) {
  auto range = [](int n) {
    std::vector<int> v;
    for (int i = 0; i < n; ++i) v.push_back(i);
    return v;
  };
  switch (k) {
    case OpKind::Unary: return range(kNumUnaryOps);
    case OpKind::Binary: return range(kNumBinaryOps);
    case OpKind::Reduce: return range(int(ReduceOp::All) + 1);
    case OpKind::ArgReduce: return {int(ReduceOp::Max), int(ReduceOp::Min)};  // the only arg-reductions
    case OpKind::Scan: return range(int(ScanOp::CumProd) + 1);
    case OpKind::Scatter: return range(int(ScatterReduce::Amin) + 1);
    case OpKind::Random: return range(int(RandomOp::RandInt) + 1);
    case OpKind::Pool: return {int(PoolKind::Max), int(PoolKind::Avg)};
    case OpKind::Fill: case OpKind::Copy: case OpKind::Where: case OpKind::Matmul: case OpKind::Gather:
    case OpKind::Sort: case OpKind::NonZero: case OpKind::Softmax: case OpKind::LayerNorm: case OpKind::Conv:
    case OpKind::Interpolate: case OpKind::Attention:
      return {0};
  }
  return {};
}

std::string kind_name(OpKind k) {
  switch (k) {
    case OpKind::Fill: return "Fill";
    case OpKind::Copy: return "Copy";
    case OpKind::Unary: return "Unary";
    case OpKind::Binary: return "Binary";
    case OpKind::Where: return "Where";
    case OpKind::Reduce: return "Reduce";
    case OpKind::ArgReduce: return "ArgReduce";
    case OpKind::Scan: return "Scan";
    case OpKind::Matmul: return "Matmul";
    case OpKind::Gather: return "Gather";
    case OpKind::Scatter: return "Scatter";
    case OpKind::Random: return "Random";
    case OpKind::Sort: return "Sort";
    case OpKind::NonZero: return "NonZero";
    case OpKind::Softmax: return "Softmax";
    case OpKind::LayerNorm: return "LayerNorm";
    case OpKind::Conv: return "Conv";
    case OpKind::Pool: return "Pool";
    case OpKind::Interpolate: return "Interpolate";
    case OpKind::Attention: return "Attention";
  }
  return "OpKind " + std::to_string(int(k));
}

std::string kernel_name(OpKind k, int code) {
  static const char* scatter[] = {"assign", "sum", "prod", "mean", "amax", "amin"};
  static const char* random[] = {"uniform", "normal", "bernoulli", "randint"};
  const std::string n = kind_name(k) + ":";
  if (k == OpKind::Unary) return n + unary_op_name(UnaryOp(code));
  if (k == OpKind::Binary) return n + binary_op_name(BinaryOp(code));
  if (k == OpKind::Reduce || k == OpKind::ArgReduce) return n + reduce_op_name(ReduceOp(code));
  if (k == OpKind::Scan) return n + (code == int(ScanOp::CumSum) ? "cumsum" : "cumprod");
  if (k == OpKind::Scatter) return n + scatter[code];
  if (k == OpKind::Random) return n + random[code];
  if (k == OpKind::Pool) return n + (code == int(PoolKind::Max) ? "max" : "avg");
  return kind_name(k);
}

// Runs every parity sample on the reference backend with its kernel recording on (in this
// process, so the result does not depend on which test processes ctest ran before), then fails
// for every kernel the CPU backend supports in some dtype that no sample ran.
TEST(ParityCoverage, EveryKernelRunsInSomeSample) {
  if (!has_backend(reference_device().type)) GTEST_SKIP() << "reference backend (ext0) not registered";
  stub::clear_kernel_records();
  stub::set_kernel_recording(true);
  for (const auto& [name, op] : op_table())
    for (size_t i = 0; i < op.samples.size(); ++i)
      for (DType dt : op.sample_dtypes(i)) {
        try {
          op.samples[i].fn(to_device_all(op.samples[i].make_inputs(dt), reference_device()));
        } catch (const std::exception& e) {
          ADD_FAILURE() << name << "/" << op.samples[i].name << " [" << dtype_name(dt) << "]: " << e.what();
        }
      }
  stub::set_kernel_recording(false);
  const std::set<stub::KernelRecord> ran = stub::kernel_records();
  std::set<std::pair<OpKind, int>> ran_kernels;
  for (const auto& [k, code, dt] : ran) ran_kernels.emplace(k, code);

  Backend& cpu = backend_for(kCPU);
  std::vector<std::string> missing;
  size_t expected = 0;
  for (int ki = 0; !kernel_codes(OpKind(ki)).empty(); ++ki) {
    const OpKind k = OpKind(ki);
    for (int code : kernel_codes(k)) {
      bool supported = false;
      for (DType dt : all_dtypes()) supported = supported || cpu.supports(OpKey(k, code), dt);
      if (!supported) continue;
      ++expected;
      if (!ran_kernels.count({k, code})) missing.push_back(kernel_name(k, code));
    }
  }
  std::string list;
  for (const auto& m : missing) list += " " + m;
  RecordProperty("kernels_expected", int(expected));
  RecordProperty("kernel_dtype_pairs_run", int(ran.size()));
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << expected
                               << " kernels are run by no parity sample (add a sample to the op's entry):" << list;
  EXPECT_TRUE(duplicate_op_names().empty()) << "ops declared twice: " << duplicate_op_names().front();
}

}  // namespace
}  // namespace tz::test
