// Matrix products: matmul (PyTorch's rank rules), mm, bmm, dot, outer, linear.
#include "autograd/ops_linalg.h"

#include "autograd/autocast.h"
#include <array>

#include "autograd/ops_binary.h"
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "core/dispatch.h"

namespace tz {

using autograd::BackwardArgs;
using autograd::SavedTensor;

namespace {

/// A 3-d kernel view of `t` at element offset `offset` with the given sizes/strides.
TensorView sub_view(const Tensor& t, int64_t offset, const Shape& sizes, const Strides& strides) {
  TensorView v = t.kernel_view();
  v.data = static_cast<char*>(v.data) + offset * dtype_size(t.dtype());
  v.sizes = sizes;
  v.strides = strides;
  return v;
}

/// Batched product of a [..., M, K] and b [..., K, N] with broadcast batch dims, no autograd.
/// Broadcast operands are read through stride-0 batch views (never materialised); batch dims
/// that collapse into one stride for all three tensors go to the kernel as one batch, the rest
/// are looped here.
Tensor raw_matmul(const Tensor& a, const Tensor& b, const Shape& batch) {
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor out = dispatch::empty(out_shape, a.dtype(), a.device());
  dispatch::check_supported("matmul", a, OpKind::Matmul, a.dtype());
  Backend& be = dispatch::backend_of(a);
  const int64_t nb = int64_t(batch.size());
  // Per-batch-dim strides (0 where an operand is broadcast).
  auto batch_strides = [&](const Tensor& t) {
    Strides s(size_t(nb), 0);
    const int64_t tb = t.dim() - 2;
    for (int64_t d = 0; d < tb; ++d)
      if (t.size(d) != 1) s[size_t(nb - tb + d)] = t.stride(d);
    return s;
  };
  Strides sa = batch_strides(a), sb = batch_strides(b), so = batch_strides(out);
  // Coalesce batch dims: sizes and the three strides, innermost last.
  Shape cs;
  std::vector<std::array<int64_t, 3>> cst;
  for (int64_t d = 0; d < nb; ++d) {
    const int64_t n = batch[size_t(d)];
    if (n == 1) continue;
    const std::array<int64_t, 3> st{sa[size_t(d)], sb[size_t(d)], so[size_t(d)]};
    if (!cs.empty()) {
      auto& last = cst.back();
      if (last[0] == st[0] * n && last[1] == st[1] * n && last[2] == st[2] * n) {
        cs.back() *= n;
        last = st;
        continue;
      }
    }
    cs.push_back(n);
    cst.push_back(st);
  }
  if (cs.empty()) {
    cs.push_back(1);
    cst.push_back({0, 0, 0});
  }
  const int64_t inner = cs.back();
  const auto inner_st = cst.back();
  Shape outer(cs.begin(), cs.end() - 1);
  const int64_t n_outer = numel_of(outer);
  std::vector<int64_t> idx(outer.size(), 0);
  for (int64_t o = 0; o < n_outer; ++o) {
    int64_t off_a = 0, off_b = 0, off_o = 0;
    for (size_t d = 0; d < outer.size(); ++d) {
      off_a += idx[d] * cst[d][0];
      off_b += idx[d] * cst[d][1];
      off_o += idx[d] * cst[d][2];
    }
    be.matmul(sub_view(out, off_o, {inner, M, N}, {inner_st[2], out.stride(-2), out.stride(-1)}),
              sub_view(a, off_a, {inner, M, K}, {inner_st[0], a.stride(-2), a.stride(-1)}),
              sub_view(b, off_b, {inner, K, N}, {inner_st[1], b.stride(-2), b.stride(-1)}), false);
    for (size_t d = outer.size(); d-- > 0;) {
      if (++idx[d] < outer[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/// matmul of operands with at least 2 dims each (batch dims broadcast); records MatmulBackward.
Tensor matmul_nd(const Tensor& a, const Tensor& b, const char* op) {
  TZ_CHECK(a.size(-1) == b.size(-2), op, "shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
           " cannot be multiplied: inner dims ", a.size(-1), " != ", b.size(-2));
  const Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  const Shape batch = broadcast_shapes(ba, bb, op);
  Tensor y = raw_matmul(a, b, batch);
  if (autograd::needs_grad({a, b})) {
    autograd::record("MatmulBackward", {a, b}, {y}, [sa = SavedTensor::input(a), sb = SavedTensor::input(b)](const BackwardArgs& ar) {
      const Tensor& g = ar.grads[0];
      Tensor A = sa.unpack(), B = sb.unpack();
      return TensorList{ar.needs_input_grad[0] ? autograd::sum_to(matmul(g, B.mT()), A.shape()) : Tensor(),
                        ar.needs_input_grad[1] ? autograd::sum_to(matmul(A.mT(), g), B.shape()) : Tensor()};
    });
  }
  return y;
}

void check_operands(const Tensor& a, const Tensor& b, const char* op) {
  TZ_CHECK(a.defined() && b.defined(), op, "undefined operand");
  dispatch::check_same_device(op, {&a, &b});
  TZ_CHECK(a.dtype() == b.dtype(), op, "expected operands of the same dtype, got ", describe(a), " and ", describe(b));
  TZ_CHECK(a.dtype() != DType::Bool, op, "bool operands are not supported (", describe(a), ")");
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (autocast::is_enabled()) return autocast::lower([](const Tensor& a2, const Tensor& b2) { return matmul(a2, b2); }, a, b);
  check_operands(a, b, "matmul");
  TZ_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul", "both arguments need at least 1 dim, got ", describe(a), " and ",
           describe(b));
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() >= 3 && b.dim() <= 2) {
    // [..., M, K] x [K, N]: fold the batch into the rows so one GEMM (and, in backward, one GEMM
    // for the weight gradient without a batch of partial products) does the work.
    const int64_t K = a.size(-1);
    TZ_CHECK(K == b.size(0), "matmul", "shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
             " cannot be multiplied: inner dims ", K, " != ", b.size(0));
    Shape out_shape(a.shape().begin(), a.shape().end() - 1);
    Tensor rows = reshape(a, {numel_of(out_shape), K});  // explicit: K may be 0
    if (b.dim() == 1) return reshape(squeeze(matmul_nd(rows, unsqueeze(b, 1), "matmul"), -1), out_shape);
    out_shape.push_back(b.size(1));
    return reshape(matmul_nd(rows, b, "matmul"), out_shape);
  }
  if (a.dim() == 1) {
    // Prepend a 1 to a's shape, then remove it from the result.
    TZ_CHECK(a.size(0) == b.size(-2), "matmul", "shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
             " cannot be multiplied: inner dims ", a.size(0), " != ", b.size(-2));
    return squeeze(matmul_nd(unsqueeze(a, 0), b, "matmul"), -2);
  }
  if (b.dim() == 1) {
    TZ_CHECK(a.size(-1) == b.size(0), "matmul", "shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
             " cannot be multiplied: inner dims ", a.size(-1), " != ", b.size(0));
    return squeeze(matmul_nd(a, unsqueeze(b, 1), "matmul"), -1);
  }
  return matmul_nd(a, b, "matmul");
}

Tensor mm(const Tensor& a, const Tensor& b) {
  if (autocast::is_enabled()) return autocast::lower([](const Tensor& a2, const Tensor& b2) { return mm(a2, b2); }, a, b);
  check_operands(a, b, "mm");
  TZ_CHECK(a.dim() == 2 && b.dim() == 2, "mm", "expects 2-d operands, got ", describe(a), " and ", describe(b));
  return matmul_nd(a, b, "mm");
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  if (autocast::is_enabled()) return autocast::lower([](const Tensor& a2, const Tensor& b2) { return bmm(a2, b2); }, a, b);
  check_operands(a, b, "bmm");
  TZ_CHECK(a.dim() == 3 && b.dim() == 3, "bmm", "expects 3-d operands, got ", describe(a), " and ", describe(b));
  TZ_CHECK(a.size(0) == b.size(0), "bmm", "batch sizes differ: ", describe(a), " and ", describe(b));
  return matmul_nd(a, b, "bmm");
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "dot");
  TZ_CHECK(a.dim() == 1 && b.dim() == 1, "dot", "expects 1-d operands, got ", describe(a), " and ", describe(b));
  TZ_CHECK(a.size(0) == b.size(0), "dot", "operands have different lengths: ", describe(a), " and ", describe(b));
  return reshape(matmul_nd(unsqueeze(a, 0), unsqueeze(b, 1), "dot"), {});
}

Tensor outer(const Tensor& a, const Tensor& b) {
  TZ_CHECK(a.dim() == 1 && b.dim() == 1, "outer", "expects 1-d operands, got ", describe(a), " and ", describe(b));
  return mul(unsqueeze(a, 1), unsqueeze(b, 0));
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (autocast::is_enabled())
    return autocast::lower([](const Tensor& x2, const Tensor& w2, const Tensor& b2) { return linear(x2, w2, b2); }, x,
                           weight, bias);
  TZ_CHECK(weight.defined() && (weight.dim() == 2 || weight.dim() == 1), "linear",
           "weight must be [out, in] (or [in]), got ", weight.defined() ? describe(weight) : std::string("undefined"));
  TZ_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(-1), "linear", "input ", describe(x),
           " does not match weight ", describe(weight), ": last dim must be ", weight.size(-1));
  Tensor y = matmul(x, weight.dim() == 2 ? weight.t() : weight);
  if (bias.defined()) y = add(y, bias);
  return y;
}

}  // namespace tz
