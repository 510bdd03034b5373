// Convolution through cuDNN's convolution API (forward, backward data, backward filter), used
// when the build found cuDNN (TZ_HAVE_CUDNN); otherwise, and for problems cuDNN's API cannot
// express (asymmetric padding, non-contiguous views, integer dtypes), the kernels return false
// and the core's composite (im2col + matmul) runs. A transposed convolution is the backward-data
// map of the regular one (and vice versa), as in the CPU backend. Algorithms come from cuDNN's
// heuristics (cached per problem); f32 uses TF32 tensor cores only when tz::cuda::allow_tf32().
#include "backends/cuda/cuda_backend.h"

#ifdef TZ_HAVE_CUDNN
#include <algorithm>
#include <climits>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

#include "backends/cuda/cuda_cudnn.h"
#include "backends/cuda/cuda_workspace.h"
#include "core/cuda.h"
#endif

namespace tz::cuda_backend {

#ifdef TZ_HAVE_CUDNN

cudnnHandle_t cudnn_handle() {
  thread_local std::map<int, cudnnHandle_t> handles;  // leaked at exit on purpose (driver order)
  const int dev = current_device();
  cudnnHandle_t& h = handles[dev];
  if (!h) TZ_CUDNN_CHECK("cudnn", cudnnCreate(&h));
  TZ_CUDNN_CHECK("cudnn", cudnnSetStream(h, current_stream()));
  return h;
}

bool cudnn_type(DType d, cudnnDataType_t& out) {
  switch (d) {
    case DType::F32: out = CUDNN_DATA_FLOAT; return true;
    case DType::F64: out = CUDNN_DATA_DOUBLE; return true;
    case DType::F16: out = CUDNN_DATA_HALF; return true;
    case DType::BF16: out = CUDNN_DATA_BFLOAT16; return true;
    default: return false;
  }
}

TensorDesc::TensorDesc(cudnnDataType_t t, const std::vector<int>& sizes, const std::vector<int>& strides) {
  TZ_CUDNN_CHECK("cudnn", cudnnCreateTensorDescriptor(&d));
  TZ_CUDNN_CHECK("cudnn", cudnnSetTensorNdDescriptor(d, t, int(sizes.size()), sizes.data(), strides.data()));
}

bool int_dims(const TensorView& v, int min_dims, std::vector<int>& sizes, std::vector<int>& strides) {
  sizes.clear();
  for (int64_t n : v.sizes) {
    if (n > INT_MAX) return false;
    sizes.push_back(int(n));
  }
  while (int(sizes.size()) < min_dims) sizes.push_back(1);
  // Packed strides (callers only pass contiguous views, whose size-1 dims may carry any stride).
  strides.assign(sizes.size(), 1);
  int64_t step = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    if (step > INT_MAX) return false;
    strides[i] = int(step);
    step *= std::max(sizes[i], 1);
  }
  return true;
}

namespace {

struct FilterDesc {
  cudnnFilterDescriptor_t d = nullptr;
  FilterDesc(cudnnDataType_t t, const std::vector<int>& sizes) {
    TZ_CUDNN_CHECK("convolution", cudnnCreateFilterDescriptor(&d));
    TZ_CUDNN_CHECK("convolution", cudnnSetFilterNdDescriptor(d, t, CUDNN_TENSOR_NCHW, int(sizes.size()), sizes.data()));
  }
  ~FilterDesc() { cudnnDestroyFilterDescriptor(d); }
};

struct ConvDesc {
  cudnnConvolutionDescriptor_t d = nullptr;
  ConvDesc() { TZ_CUDNN_CHECK("convolution", cudnnCreateConvolutionDescriptor(&d)); }
  ~ConvDesc() { cudnnDestroyConvolutionDescriptor(d); }
};

/// Everything cuDNN needs for one convolution x [N, C, *s] -> y [N, O, *t] with weight w.
struct Problem {
  cudnnDataType_t type{};
  std::vector<int> xs, xst, ws, ys, yst;
  std::vector<int> pad, stride, dilation;
  int groups = 1;
  bool tensor_ops = true;  // false: f32 without TF32 (FMA math only)
  std::string key;
};

bool dense(const TensorView& v) { return v.is_contiguous(); }

/// Builds the problem for the regular convolution x -> y; false when cuDNN's API cannot
/// express it (then the composite runs).
bool make_problem(const TensorView& x, const TensorView& w, const TensorView& y, const ConvParams& p, Problem& pr) {
  if (!cudnn_type(x.dtype, pr.type) || w.dtype != x.dtype || y.dtype != x.dtype) return false;
  if (!dense(x) || !dense(w) || !dense(y)) return false;
  const size_t nsp = size_t(x.dim() - 2);
  if (nsp < 1 || nsp > 3 || p.groups > INT_MAX) return false;
  for (size_t i = 0; i < nsp; ++i) {
    // cuDNN pads symmetrically; a larger end padding only changes the output size by rounding,
    // so the problem is expressible when the symmetric output size is y's.
    const int64_t in = x.sizes[2 + i], k = w.sizes[2 + i], s = p.stride[i], d = p.dilation[i], pb = p.padding_begin[i];
    const int64_t reach = (k - 1) * d + 1;
    if (in + 2 * pb < reach || (in + 2 * pb - reach) / s + 1 != y.sizes[2 + i]) return false;
    if (pb > INT_MAX || s > INT_MAX || d > INT_MAX) return false;
    pr.pad.push_back(int(pb));
    pr.stride.push_back(int(s));
    pr.dilation.push_back(int(d));
  }
  // 1-d convolutions become 2-d ones over [*, L, 1].
  if (nsp == 1) {
    pr.pad.push_back(0);
    pr.stride.push_back(1);
    pr.dilation.push_back(1);
  }
  std::vector<int> wst;
  if (!int_dims(x, 4, pr.xs, pr.xst) || !int_dims(w, 4, pr.ws, wst) || !int_dims(y, 4, pr.ys, pr.yst)) return false;
  pr.groups = int(p.groups);
  pr.tensor_ops = x.dtype != DType::F32 || cuda::allow_tf32();
  std::ostringstream k;
  k << int(pr.type) << ':' << pr.groups << ':' << pr.tensor_ops << '|';
  for (const auto* v : {&pr.xs, &pr.ws, &pr.ys, &pr.pad, &pr.stride, &pr.dilation}) {
    for (int e : *v) k << e << ',';
    k << '|';
  }
  pr.key = k.str();
  return true;
}

/// Sets the convolution descriptor (f32 accumulation for 16-bit data, f64 for f64).
void describe_conv(const Problem& pr, const ConvDesc& c) {
  const cudnnDataType_t compute = pr.type == CUDNN_DATA_DOUBLE ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
  TZ_CUDNN_CHECK("convolution", cudnnSetConvolutionNdDescriptor(c.d, int(pr.pad.size()), pr.pad.data(), pr.stride.data(),
                                                                pr.dilation.data(), CUDNN_CROSS_CORRELATION, compute));
  TZ_CUDNN_CHECK("convolution", cudnnSetConvolutionGroupCount(c.d, pr.groups));
  // f32: FMA only unless TF32 is allowed (DEFAULT then permits TF32); 16-bit: tensor cores.
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  if (!pr.tensor_ops) math = CUDNN_FMA_MATH;
  else if (pr.type == CUDNN_DATA_HALF || pr.type == CUDNN_DATA_BFLOAT16) math = CUDNN_TENSOR_OP_MATH;
  TZ_CUDNN_CHECK("convolution", cudnnSetConvolutionMathType(c.d, math));
}

/// An algorithm choice: algo, workspace bytes and math type; ok=false when none applies.
struct Choice {
  bool ok = false;
  int algo = 0;
  size_t workspace = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

/// Algorithms needing more scratch memory than this are skipped (the next heuristic pick is
/// usually nearly as fast).
constexpr size_t kMaxWorkspace = size_t(1) << 30;

/// Picks the first heuristic result that succeeds and respects the TF32 switch; cached per
/// problem and direction.
template <class Perf, class Query>
Choice choose(char direction, const Problem& pr, Query&& query) {
  static std::mutex mu;
  static std::map<std::string, Choice> cache;
  const std::string key = direction + pr.key;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  Perf perf[16];
  int n = 0;
  query(perf, 16, &n);
  Choice c;
  for (int i = 0; i < n; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > kMaxWorkspace) continue;
    // Never let f32 data be converted down to f16; without TF32, FMA kernels only.
    if (perf[i].mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) continue;
    if (!pr.tensor_ops && perf[i].mathType != CUDNN_FMA_MATH) continue;
    c = {true, int(perf[i].algo), perf[i].memory, perf[i].mathType};
    break;
  }
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= 1024) cache.clear();
  cache[key] = c;
  return c;
}

const void* scale(cudnnDataType_t t, double v) {
  static const float f0 = 0.0f, f1 = 1.0f;
  static const double d0 = 0.0, d1 = 1.0;
  if (t == CUDNN_DATA_DOUBLE) return v == 0 ? &d0 : &d1;
  return v == 0 ? static_cast<const void*>(&f0) : &f1;
}

/// Whether cuDNN can add `bias` to an output of `dtype` (no bias at all also qualifies).
bool bias_usable(const TensorView& bias, DType dtype) {
  return !bias.data || (bias.dtype == dtype && bias.is_contiguous());
}

/// out += bias over channels (out sizes `out_sizes`, bias [C]); false when cuDNN declines (e.g. a
/// dtype its tensor addition lacks): the caller reports the whole kernel as absent and the core
/// falls back.
bool add_bias(cudnnDataType_t type, const std::vector<int>& out_sizes, const TensorDesc& out_desc, void* out,
              const TensorView& bias) {
  if (!bias.data) return true;
  std::vector<int> bs(out_sizes.size(), 1), bst(out_sizes.size(), 1);
  bs[1] = out_sizes[1];
  for (int i = int(bs.size()) - 2; i >= 0; --i) bst[size_t(i)] = bst[size_t(i) + 1] * bs[size_t(i) + 1];
  TensorDesc bd(type, bs, bst);
  return cudnnAddTensor(cudnn_handle(), scale(type, 1), bd.d, bias.data, scale(type, 1), out_desc.d, out) ==
         CUDNN_STATUS_SUCCESS;
}

/// The handle and the descriptors of one problem, created in the order x, y, w, convolution
/// (and destroyed in reverse) whichever direction runs.
struct Descriptors {
  cudnnHandle_t h;
  TensorDesc xd, yd;
  FilterDesc wd;
  ConvDesc cd;
  explicit Descriptors(const Problem& pr)
      : h(cudnn_handle()), xd(pr.type, pr.xs, pr.xst), yd(pr.type, pr.ys, pr.yst), wd(pr.type, pr.ws) {
    describe_conv(pr, cd);
  }
};

/// Runs one direction: chooses its algorithm (`query` fills cuDNN's heuristic list, see
/// choose), switches the convolution to the choice's math type and calls `launch(choice,
/// workspace)` with the scratch memory the choice needs. False, with nothing run, when no
/// algorithm applies.
template <class Perf, class Query, class Launch>
bool run_direction(char direction, const Problem& pr, const ConvDesc& cd, Query&& query, Launch&& launch) {
  const Choice c = choose<Perf>(direction, pr, query);
  if (!c.ok) return false;
  TZ_CUDNN_CHECK("convolution", cudnnSetConvolutionMathType(cd.d, c.math));
  DeviceBuffer ws(c.workspace);
  launch(c, ws);
  return true;
}

// The three directions name the handle and descriptors h, xd, yd, wd, cd (structured bindings),
// so that a failing call's error message spells it as written here.

/// y = conv(x, w) (+ bias).
bool run_forward(const TensorView& y, const TensorView& x, const TensorView& w, const TensorView& bias, const ConvParams& p) {
  Problem pr;
  if (!make_problem(x, w, y, p, pr) || !bias_usable(bias, x.dtype)) return false;
  const Descriptors ds(pr);
  const auto& [h, xd, yd, wd, cd] = ds;
  const bool ran = run_direction<cudnnConvolutionFwdAlgoPerf_t>(
      'f', pr, cd,
      [&](auto* perf, int cap, int* n) {
        TZ_CUDNN_CHECK("convolution", cudnnGetConvolutionForwardAlgorithm_v7(h, xd.d, wd.d, cd.d, yd.d, cap, n, perf));
      },
      [&](const Choice& c, const DeviceBuffer& ws) {
        TZ_CUDNN_CHECK("convolution", cudnnConvolutionForward(h, scale(pr.type, 1), xd.d, x.data, wd.d, w.data, cd.d,
                                                              cudnnConvolutionFwdAlgo_t(c.algo), ws.get(), ws.size(),
                                                              scale(pr.type, 0), yd.d, y.data));
      });
  return ran && add_bias(pr.type, pr.ys, yd, y.data, bias);
}

/// gx = conv's input gradient from gy (+ bias: the transposed convolution's bias).
bool run_backward_input(const TensorView& gx, const TensorView& gy, const TensorView& w, const TensorView& bias,
                        const ConvParams& p) {
  Problem pr;
  if (!make_problem(gx, w, gy, p, pr) || !bias_usable(bias, gx.dtype)) return false;
  const Descriptors ds(pr);
  const auto& [h, xd, yd, wd, cd] = ds;
  const bool ran = run_direction<cudnnConvolutionBwdDataAlgoPerf_t>(
      'd', pr, cd,
      [&](auto* perf, int cap, int* n) {
        TZ_CUDNN_CHECK("convolution", cudnnGetConvolutionBackwardDataAlgorithm_v7(h, wd.d, yd.d, cd.d, xd.d, cap, n, perf));
      },
      [&](const Choice& c, const DeviceBuffer& ws) {
        TZ_CUDNN_CHECK("convolution", cudnnConvolutionBackwardData(h, scale(pr.type, 1), wd.d, w.data, yd.d, gy.data, cd.d,
                                                                   cudnnConvolutionBwdDataAlgo_t(c.algo), ws.get(),
                                                                   ws.size(), scale(pr.type, 0), xd.d, gx.data));
      });
  // The bias belongs to the transposed convolution's output, which is gx here.
  return ran && add_bias(pr.type, pr.xs, xd, gx.data, bias);
}

/// gw = conv's weight gradient from gy and x.
bool run_backward_weight(const TensorView& gw, const TensorView& gy, const TensorView& x, const ConvParams& p) {
  Problem pr;
  if (!make_problem(x, gw, gy, p, pr)) return false;
  const Descriptors ds(pr);
  const auto& [h, xd, yd, wd, cd] = ds;
  return run_direction<cudnnConvolutionBwdFilterAlgoPerf_t>(
      'w', pr, cd,
      [&](auto* perf, int cap, int* n) {
        TZ_CUDNN_CHECK("convolution", cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, xd.d, yd.d, cd.d, wd.d, cap, n, perf));
      },
      [&](const Choice& c, const DeviceBuffer& ws) {
        TZ_CUDNN_CHECK("convolution", cudnnConvolutionBackwardFilter(h, scale(pr.type, 1), xd.d, x.data, yd.d, gy.data,
                                                                     cd.d, cudnnConvolutionBwdFilterAlgo_t(c.algo),
                                                                     ws.get(), ws.size(), scale(pr.type, 0), wd.d,
                                                                     gw.data));
      });
}

}  // namespace

bool CudaBackend::conv(const TensorView& out, const TensorView& in, const TensorView& weight, const TensorView& bias,
                       const ConvParams& p) {
  // A transposed convolution's input plays the regular one's output gradient.
  return p.transposed ? run_backward_input(out, in, weight, bias, p) : run_forward(out, in, weight, bias, p);
}

bool CudaBackend::conv_backward_input(const TensorView& grad_in, const TensorView& grad_out, const TensorView& weight,
                                      const ConvParams& p) {
  const TensorView no_bias{nullptr, grad_in.dtype, {0}, {1}};
  return p.transposed ? run_forward(grad_in, grad_out, weight, no_bias, p)
                      : run_backward_input(grad_in, grad_out, weight, no_bias, p);
}

bool CudaBackend::conv_backward_weight(const TensorView& grad_w, const TensorView& grad_out, const TensorView& in,
                                       const ConvParams& p) {
  return p.transposed ? run_backward_weight(grad_w, in, grad_out, p) : run_backward_weight(grad_w, grad_out, in, p);
}

#else  // no cuDNN in this build: the composites run

bool CudaBackend::conv(const TensorView&, const TensorView&, const TensorView&, const TensorView&, const ConvParams&) {
  return false;
}
bool CudaBackend::conv_backward_input(const TensorView&, const TensorView&, const TensorView&, const ConvParams&) {
  return false;
}
bool CudaBackend::conv_backward_weight(const TensorView&, const TensorView&, const TensorView&, const ConvParams&) {
  return false;
}

#endif

}  // namespace tz::cuda_backend
