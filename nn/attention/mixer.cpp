#include "nn/attention/mixer.h"

#include "core/error.h"

namespace tz::nn {

void Mixer::fail(const std::string& message) const { TZ_FAIL("mixer " + kind_, message); }

Tensor Mixer::operator()(const Tensor& x, const MixerArgs& args) {
  const MixerCapabilities caps = capabilities();
  if (!x.defined() || x.dim() != 3) fail("input must be [B, N, D], got " + (x.defined() ? describe(x) : "undefined"));
  if (!is_floating(x.dtype())) fail("input must be a float tensor, got " + describe(x));
  const int64_t n_keys = args.context.defined() ? args.context.size(1) : x.size(1);
  if (args.context.defined()) {
    if (!caps.cross_attention) fail("cross-attention (a context argument) is not supported");
    if (args.context.dim() != 3 || args.context.size(0) != x.size(0) || args.context.size(2) != x.size(2))
      fail("context must be [B, M, D] matching x " + describe(x) + ", got " + describe(args.context));
  }
  if (args.causal && !caps.causal) {
    fail("causal masking is not supported" +
         (caps.no_causal_reason.empty() ? std::string() : ": " + caps.no_causal_reason));
  }
  if (args.key_padding_mask.defined()) {
    if (!caps.key_padding_mask) fail("a key padding mask is not supported");
    const Tensor& m = args.key_padding_mask;
    if (m.dtype() != DType::Bool || m.dim() != 2 || m.size(0) != x.size(0) || m.size(1) != n_keys)
      fail("key_padding_mask must be bool [B, M] = [" + std::to_string(x.size(0)) + ", " + std::to_string(n_keys) +
           "] (true = padding), got " + describe(m));
    if (m.device() != x.device()) fail("key_padding_mask is on " + m.device().str() + " but x is on " + x.device().str());
  }
  if (caps.max_length > 0 && (x.size(1) > caps.max_length || n_keys > caps.max_length)) {
    fail("sequence length " + std::to_string(std::max(x.size(1), n_keys)) + " exceeds this mixer's maximum " +
         std::to_string(caps.max_length) + " (set by its config)");
  }
  return run_forward_hooks({x}, forward(x, args));
}

MixerState Mixer::init_state(int64_t) { fail("has no recurrent form (init_state/step)"); }

Tensor Mixer::step(const Tensor&, MixerState&) { fail("has no recurrent form (init_state/step)"); }

}  // namespace tz::nn
