#include "models/data/lra_listops.h"

#include <algorithm>
#include <sstream>
#include <unordered_set>

#include "core/error.h"

namespace tz::nn::data {

namespace {

bool is_operator(int64_t t) { return t >= kListOpsMin && t <= kListOpsSumMod; }
bool is_digit(int64_t t) { return t >= kListOpsDigit0 && t < kListOpsDigit0 + 10; }

int64_t apply_operator(int64_t op, std::vector<int64_t> args) {
  switch (op) {
    case kListOpsMin: return *std::min_element(args.begin(), args.end());
    case kListOpsMax: return *std::max_element(args.begin(), args.end());
    case kListOpsMed: {
      // numpy.median then int(): the mean of the two middle values for an even count, truncated.
      std::sort(args.begin(), args.end());
      const size_t n = args.size();
      return n % 2 ? args[n / 2] : (args[n / 2 - 1] + args[n / 2]) / 2;
    }
    case kListOpsSumMod: {
      int64_t s = 0;
      for (int64_t a : args) s += a;
      return s % 10;
    }
    default: TZ_FAIL("listops", "token ", op, " is not an operator");
  }
}

/// Recursive tree drawing in LRA's draw order (children first, then the operator).
struct TreeSampler {
  LraRandom& rng;
  const ListOpsOptions& options;
  int64_t abandon_at;
  std::vector<int64_t>& out;

  void node(int64_t depth) {
    if (abandon_at > 0 && int64_t(out.size()) >= abandon_at) return;
    const double u = depth < options.max_depth ? rng.uniform() : 1.0;
    if (u > options.value_p) {
      out.push_back(kListOpsDigit0 + rng.below(10));
      return;
    }
    const int64_t n_args = rng.between(2, options.max_args);
    const size_t op_slot = out.size();
    out.push_back(kListOpsPad);  // the operator, drawn after its arguments as LRA does
    for (int64_t i = 0; i < n_args; ++i) node(depth + 1);
    out[op_slot] = kListOpsMin + rng.below(4);
    out.push_back(kListOpsClose);
  }
};

}  // namespace

std::vector<int64_t> listops_tokens(const std::string& text) {
  std::string cleaned;
  for (char c : text) cleaned += (c == '(' || c == ')') ? ' ' : c;
  std::istringstream words(cleaned);
  std::vector<int64_t> tokens;
  std::string w;
  while (words >> w) {
    if (w == "[MIN") tokens.push_back(kListOpsMin);
    else if (w == "[MAX") tokens.push_back(kListOpsMax);
    else if (w == "[MED") tokens.push_back(kListOpsMed);
    else if (w == "[SM") tokens.push_back(kListOpsSumMod);
    else if (w == "]" || w == "X") tokens.push_back(kListOpsClose);
    else if (w.size() == 1 && w[0] >= '0' && w[0] <= '9') tokens.push_back(kListOpsDigit0 + (w[0] - '0'));
    else TZ_FAIL("listops", "unknown word '", w, "' in \"", text, "\" (expected [MIN [MAX [MED [SM ] X or a digit)");
  }
  return tokens;
}

std::string listops_text(const std::vector<int64_t>& tokens) {
  std::string out;
  for (int64_t t : tokens) {
    if (t == kListOpsPad) break;
    std::string w;
    if (is_digit(t)) w = std::string(1, char('0' + (t - kListOpsDigit0)));
    else if (t == kListOpsMin) w = "[MIN";
    else if (t == kListOpsMax) w = "[MAX";
    else if (t == kListOpsMed) w = "[MED";
    else if (t == kListOpsSumMod) w = "[SM";
    else if (t == kListOpsClose) w = "]";
    else TZ_FAIL("listops", "token id ", t, " outside the vocabulary [0, ", int64_t(kListOpsVocab), ")");
    out += (out.empty() ? "" : " ") + w;
  }
  return out;
}

int64_t listops_evaluate(const std::vector<int64_t>& tokens) {
  struct Frame {
    int64_t op;
    std::vector<int64_t> args;
  };
  std::vector<Frame> stack;
  std::vector<int64_t> top;  // completed values outside any operator
  size_t end = tokens.size();
  while (end > 0 && tokens[end - 1] == kListOpsPad) --end;
  for (size_t i = 0; i < end; ++i) {
    const int64_t t = tokens[i];
    auto emit = [&](int64_t v) { (stack.empty() ? top : stack.back().args).push_back(v); };
    if (is_digit(t)) {
      emit(t - kListOpsDigit0);
    } else if (is_operator(t)) {
      stack.push_back({t, {}});
    } else if (t == kListOpsClose) {
      TZ_CHECK(!stack.empty(), "listops", "']' at token ", i, " closes nothing");
      Frame f = std::move(stack.back());
      stack.pop_back();
      TZ_CHECK(!f.args.empty(), "listops", "operator closed at token ", i, " has no arguments");
      emit(apply_operator(f.op, std::move(f.args)));
    } else {
      TZ_FAIL("listops", "token id ", t, " at ", i, " is not part of an expression");
    }
  }
  TZ_CHECK(stack.empty(), "listops", stack.size(), " operator(s) left unclosed");
  TZ_CHECK(top.size() == 1, "listops", "expected one expression, found ", top.size(), " values at the top level");
  return top[0];
}

std::vector<int64_t> listops_sample(LraRandom& rng, const ListOpsOptions& options, int64_t abandon_at) {
  std::vector<int64_t> out;
  TreeSampler{rng, options, abandon_at, out}.node(1);
  return out;
}

LraData make_listops(const ListOpsOptions& o) {
  TZ_CHECK(o.max_depth >= 1 && o.max_args >= 2, "listops", "max_depth must be >= 1 and max_args >= 2, got ",
           o.max_depth, " and ", o.max_args);
  TZ_CHECK(o.min_length >= 0 && o.max_length > o.min_length + 1, "listops",
           "need 0 <= min_length < length < max_length for some length, got min_length=", o.min_length,
           " max_length=", o.max_length);
  TZ_CHECK(o.train_size >= 1 && o.val_size >= 0 && o.test_size >= 0, "listops",
           "split sizes must be train >= 1, val >= 0, test >= 0");
  LraRandom rng(o.seed);
  const int64_t wanted = o.train_size + o.val_size + o.test_size;
  std::unordered_set<std::string> seen;
  std::vector<std::vector<int64_t>> trees;
  std::vector<int64_t> labels;
  int64_t rejected_in_a_row = 0;
  while (int64_t(trees.size()) < wanted) {
    // Growth stops once a tree is too long to pass: only the kept trees need to be whole.
    std::vector<int64_t> t = listops_sample(rng, o, o.max_length);
    const int64_t n = int64_t(t.size());
    const bool keep = n > o.min_length && n < o.max_length &&
                      seen.insert(std::string(reinterpret_cast<const char*>(t.data()), t.size() * sizeof(int64_t))).second;
    if (!keep) {
      TZ_CHECK(++rejected_in_a_row < o.max_rejections, "listops", o.max_rejections,
               " trees in a row failed the filter ", o.min_length, " < length < ", o.max_length,
               " (or were duplicates); widen the range or raise max_depth / max_args");
      continue;
    }
    rejected_in_a_row = 0;
    labels.push_back(listops_evaluate(t));
    trees.push_back(std::move(t));
  }
  LraData d;
  d.task = "listops";
  d.vocab_size = kListOpsVocab;
  d.num_classes = 10;
  d.length = o.max_length - 1;
  d.padded = true;
  auto take = [&](int64_t from, int64_t count) {
    const std::vector<std::vector<int64_t>> seqs(trees.begin() + from, trees.begin() + from + count);
    const std::vector<int64_t> ys(labels.begin() + from, labels.begin() + from + count);
    return LraSplit{pack_sequences(seqs, d.length, "listops"), Tensor(), pack_labels(ys)};
  };
  d.train = take(0, o.train_size);
  d.val = take(o.train_size, o.val_size);
  d.test = take(o.train_size + o.val_size, o.test_size);
  return d;
}

}  // namespace tz::nn::data
