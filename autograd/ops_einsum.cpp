// einsum: parses the equation, takes diagonals for labels repeated within an operand, sums out
// labels no later step needs, and contracts operands pairwise left to right through matmul (batch
// labels become broadcast batch dims, contracted labels the inner dim). Gradients come from the
// differentiable ops it is built from.
#include <algorithm>
#include <array>
#include <functional>
#include <map>

#include "autograd/autocast.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "core/dispatch.h"

namespace tz {

namespace {

constexpr int kNumLetters = 52;  // a-z, A-Z; ellipsis dims get labels from kNumLetters up

int letter_label(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';  // uppercase sorts first, as ASCII (and PyTorch)
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return -1;
}
char label_char(int l) { return l < 26 ? char('A' + l) : char('a' + l - 26); }

/// One subscript term: letter labels with the ellipsis position (-1 when absent).
struct Term {
  std::vector<int> letters;
  int ellipsis_at = -1;
};

Term parse_term(const std::string& s, const std::string& eq) {
  Term t;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      TZ_CHECK(s.compare(i, 3, "...") == 0, "einsum", "found '.' that is not part of an ellipsis in \"", eq, "\"");
      TZ_CHECK(t.ellipsis_at < 0, "einsum", "more than one ellipsis in term \"", s, "\" of \"", eq, "\"");
      t.ellipsis_at = int(t.letters.size());
      i += 2;
      continue;
    }
    const int l = letter_label(s[i]);
    TZ_CHECK(l >= 0, "einsum", "invalid subscript '", s[i], "' in \"", eq, "\" (use letters a-z, A-Z)");
    t.letters.push_back(l);
  }
  return t;
}

/// An operand with one label per dim.
struct Labelled {
  Tensor t;
  std::vector<int> labels;
};

int64_t find_dim(const std::vector<int>& labels, int l) {
  return int64_t(std::find(labels.begin(), labels.end(), l) - labels.begin());
}

/// Sums out the dims whose labels `drop` says to remove.
Labelled sum_labels(Labelled x, const std::function<bool(int)>& drop) {
  Dims dims;
  std::vector<int> kept;
  for (size_t d = 0; d < x.labels.size(); ++d) {
    if (drop(x.labels[d])) dims.push_back(int64_t(d));
    else kept.push_back(x.labels[d]);
  }
  if (!dims.empty()) x.t = sum(x.t, dims);
  x.labels = kept;
  return x;
}

/// Permutes x to the label order `order` (a permutation of x's labels).
Tensor arrange(const Labelled& x, const std::vector<int>& order) {
  Dims perm;
  for (int l : order) perm.push_back(find_dim(x.labels, l));
  return permute(x.t, perm);
}

int64_t prod_sizes(const Tensor& t, int64_t from, int64_t to) {
  int64_t p = 1;
  for (int64_t d = from; d < to; ++d) p *= t.size(d);
  return p;
}

/// Contracts two operands; labels in `keep` survive (as batch dims when in both), the other
/// shared labels are summed over.
Labelled contract(Labelled a, Labelled b, const std::function<bool(int)>& keep) {
  // Labels only one side has and nobody needs are summed first (smaller GEMM).
  auto in = [](const Labelled& x, int l) { return find_dim(x.labels, l) < int64_t(x.labels.size()); };
  a = sum_labels(a, [&](int l) { return !keep(l) && !in(b, l); });
  b = sum_labels(b, [&](int l) { return !keep(l) && !in(a, l); });
  std::vector<int> batch, only_a, only_b, inner;
  for (int l : a.labels) {
    if (!in(b, l)) only_a.push_back(l);
    else if (keep(l)) batch.push_back(l);
    else inner.push_back(l);
  }
  for (int l : b.labels)
    if (!in(a, l)) only_b.push_back(l);
  // A contracted label of size 1 on one side broadcasts: sum_k a[0] b[k] = a[0] * sum_k b[k].
  for (int l : inner) {
    const int64_t sa = a.t.size(find_dim(a.labels, l)), sb = b.t.size(find_dim(b.labels, l));
    if (sa == 1 && sb != 1) b.t = sum(b.t, {find_dim(b.labels, l)}, true);
    if (sb == 1 && sa != 1) a.t = sum(a.t, {find_dim(a.labels, l)}, true);
  }
  auto cat3 = [](std::vector<int> x, const std::vector<int>& y, const std::vector<int>& z) {
    x.insert(x.end(), y.begin(), y.end());
    x.insert(x.end(), z.begin(), z.end());
    return x;
  };
  Tensor ta = arrange(a, cat3(batch, only_a, inner));
  Tensor tb = arrange(b, cat3(batch, inner, only_b));
  const int64_t nb = int64_t(batch.size());
  Shape a_shape(ta.shape().begin(), ta.shape().begin() + nb), b_shape(tb.shape().begin(), tb.shape().begin() + nb);
  const int64_t M = prod_sizes(ta, nb, nb + int64_t(only_a.size())), K = prod_sizes(ta, nb + int64_t(only_a.size()), ta.dim());
  const int64_t N = prod_sizes(tb, nb + int64_t(inner.size()), tb.dim());
  Shape ra = a_shape, rb = b_shape;
  ra.insert(ra.end(), {M, K});
  rb.insert(rb.end(), {K, N});
  Tensor y = matmul(reshape(ta, ra), reshape(tb, rb));
  // Unfold the row and column groups back into their labels.
  Shape out_shape(y.shape().begin(), y.shape().begin() + nb);
  for (size_t i = 0; i < only_a.size(); ++i) out_shape.push_back(ta.size(nb + int64_t(i)));
  for (size_t i = 0; i < only_b.size(); ++i) out_shape.push_back(tb.size(nb + int64_t(inner.size() + i)));
  return {reshape(y, out_shape), cat3(batch, only_a, only_b)};
}

}  // namespace

Tensor einsum(const std::string& equation, const TensorList& operands) {
  if (autocast::is_enabled()) {
    TensorList cast;
    for (const Tensor& t : operands) cast.push_back(autocast::to_lower(t));
    autocast::Suspend off;
    return einsum(equation, cast);
  }
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms{""};
  for (char c : lhs) {
    if (c == ',') terms.emplace_back();
    else terms.back() += c;
  }
  TZ_CHECK(!operands.empty(), "einsum", "needs at least one operand");
  TZ_CHECK(terms.size() == operands.size(), "einsum", "equation \"", equation, "\" has ", terms.size(),
           " operand terms but ", operands.size(), " operands were given");
  for (const Tensor& t : operands) {
    TZ_CHECK(t.defined(), "einsum", "undefined operand");
    TZ_CHECK(t.dtype() == operands[0].dtype(), "einsum", "operands must share a dtype, got ", describe(operands[0]),
             " and ", describe(t));
    dispatch::check_same_device("einsum", {&operands[0], &t});
  }
  // Per-operand labels, with ellipsis dims right-aligned across operands like broadcasting.
  std::vector<Term> parsed;
  int64_t ell = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    parsed.push_back(parse_term(terms[i], equation));
    const Term& t = parsed.back();
    const int64_t nd = operands[i].dim(), nl = int64_t(t.letters.size());
    if (t.ellipsis_at < 0) {
      TZ_CHECK(nd == nl, "einsum", "term \"", terms[i], "\" has ", nl, " subscripts but operand ", i, " is ",
               describe(operands[i]), " (", nd, " dims) and no ellipsis was given");
    } else {
      TZ_CHECK(nd >= nl, "einsum", "term \"", terms[i], "\" has more subscripts than operand ", i, " ",
               describe(operands[i]), " has dims");
      ell = std::max(ell, nd - nl);
    }
  }
  std::array<int, kNumLetters> count{};
  std::vector<Labelled> ops;
  std::map<int, int64_t> label_size;
  for (size_t i = 0; i < parsed.size(); ++i) {
    const Term& t = parsed[i];
    Labelled x{operands[i], {}};
    const int64_t e = t.ellipsis_at < 0 ? 0 : operands[i].dim() - int64_t(t.letters.size());
    for (size_t k = 0; k <= t.letters.size(); ++k) {
      if (int(k) == t.ellipsis_at)
        for (int64_t j = 0; j < e; ++j) x.labels.push_back(kNumLetters + int(ell - e + j));
      if (k < t.letters.size()) x.labels.push_back(t.letters[k]);
    }
    for (int l : t.letters) ++count[size_t(l)];
    // Diagonals for labels repeated within this term.
    for (bool again = true; again;) {
      again = false;
      for (size_t d0 = 0; d0 < x.labels.size() && !again; ++d0)
        for (size_t d1 = d0 + 1; d1 < x.labels.size() && !again; ++d1)
          if (x.labels[d0] == x.labels[d1]) {
            TZ_CHECK(x.t.size(int64_t(d0)) == x.t.size(int64_t(d1)), "einsum", "subscript ", label_char(x.labels[d0]),
                     " is repeated for operand ", i, " ", describe(operands[i]), " but the sizes don't match");
            x.t = diagonal(x.t, 0, int64_t(d0), int64_t(d1));
            const int l = x.labels[d0];
            x.labels.erase(x.labels.begin() + int64_t(d1));
            x.labels.erase(x.labels.begin() + int64_t(d0));
            x.labels.push_back(l);
            again = true;
          }
    }
    // Check sizes across operands (size-1 dims broadcast).
    for (size_t d = 0; d < x.labels.size(); ++d) {
      const int l = x.labels[d];
      const int64_t n = x.t.size(int64_t(d));
      auto [it, fresh] = label_size.emplace(l, n);
      if (!fresh && it->second != n) {
        TZ_CHECK(it->second == 1 || n == 1, "einsum", "subscript ",
                 l < kNumLetters ? std::string(1, label_char(l)) : std::string("..."), " has size ", n, " for operand ",
                 i, " ", describe(operands[i]), " which does not broadcast with size ", it->second);
        it->second = std::max(it->second, n);
      }
    }
    ops.push_back(std::move(x));
  }
  // Output labels: explicit, or the ellipsis then the letters used once, in ASCII order.
  std::vector<int> out;
  if (arrow != std::string::npos) {
    const Term t = parse_term(eq.substr(arrow + 2), equation);
    for (size_t k = 0; k <= t.letters.size(); ++k) {
      if (int(k) == t.ellipsis_at)
        for (int64_t j = 0; j < ell; ++j) out.push_back(kNumLetters + int(j));
      if (k < t.letters.size()) {
        const int l = t.letters[k];
        TZ_CHECK(count[size_t(l)] > 0, "einsum", "output subscript ", label_char(l),
                 " does not appear in the equation for any input operand (\"", equation, "\")");
        TZ_CHECK(std::find(out.begin(), out.end(), l) == out.end(), "einsum", "output subscript ", label_char(l),
                 " appears more than once in the output (\"", equation, "\")");
        out.push_back(l);
      }
    }
  } else {
    for (int64_t j = 0; j < ell; ++j) out.push_back(kNumLetters + int(j));
    for (int l = 0; l < kNumLetters; ++l)
      if (count[size_t(l)] == 1) out.push_back(l);
  }
  auto in_out = [&](int l) { return std::find(out.begin(), out.end(), l) != out.end(); };
  // Contract left to right; a label is kept while the output or a later operand needs it.
  Labelled acc = ops[0];
  for (size_t i = 1; i < ops.size(); ++i) {
    auto keep = [&](int l) {
      if (in_out(l)) return true;
      for (size_t j = i + 1; j < ops.size(); ++j)
        if (find_dim(ops[j].labels, l) < int64_t(ops[j].labels.size())) return true;
      return false;
    };
    acc = contract(acc, ops[i], keep);
  }
  acc = sum_labels(acc, [&](int l) { return !in_out(l); });
  // Output labels that every operand had at size 1 but the product broadcast (or that a
  // reduction removed) are restored by expanding to the broadcast size.
  Tensor y = arrange(acc, out);
  Shape full;
  for (int l : out) full.push_back(label_size[l]);
  if (y.shape() != full) y = expand(y, full);
  return y;
}

}  // namespace tz
