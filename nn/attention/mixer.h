#pragma once
/// The token-mixer interface of the attention zoo: every attention variant (softmax, sliding
/// window, Longformer, BigBird, Linformer, Performer, linear attention, Reformer, Sinkhorn, ...)
/// is a Mixer, built by name from a JSON config through the registry (nn/attention/registry.h),
/// so any block or model swaps its attention by changing one config field.
///
/// Contract of forward(x, args):
///   x                     [B, N, D] float tensor (D = config "d_model")
///   args.context          optional [B, M, D]: cross-attention keys/values come from it
///                         (only when capabilities().cross_attention)
///   args.key_padding_mask optional bool [B, M] (M = N without context): true = this key is
///                         padding and gets zero attention weight (torch.nn.MultiheadAttention's
///                         convention). Queries at padded positions still produce an output.
///   args.causal           query i may only use keys j <= i (only when capabilities().causal)
///   returns               [B, N, D]
/// Each variant owns its input and output projections (parameters registered on the module, so
/// state_dict names are "<block>.mixer.<variant's names>").
///
/// Capabilities are declared by the variant and enforced by operator() before forward runs:
/// asking for something a variant cannot do throws tz::Error naming the variant and why, e.g.
///   [mixer linformer] causal masking is not supported: the learned projection E mixes all N
///   positions into k rows, so earlier outputs would see later tokens
/// Variants with a recurrent form (linear attention, ...) also implement init_state()/step()
/// for O(1)-per-token decoding; step() over a sequence equals the causal forward.
#include <cstdint>
#include <map>
#include <string>

#include "nn/module.h"

namespace tz::nn {

/// What a mixer supports; queried by callers, enforced by Mixer::operator().
struct MixerCapabilities {
  bool causal = false;            // supports args.causal
  bool key_padding_mask = false;  // supports args.key_padding_mask
  bool cross_attention = false;   // supports args.context
  bool recurrent = false;         // implements init_state()/step()
  int64_t max_length = 0;         // > 0: sequences longer than this are rejected (e.g. Linformer's N)
  /// Why causal masking is unsupported (shown in the error); empty when causal is supported.
  std::string no_causal_reason;
  /// Time complexity in N (sequence), D (model width), and the variant's own symbols,
  /// e.g. "O(N^2 D)", "O(N w D)", "O(N k D)", "O(N m D)".
  std::string complexity;
};

/// Optional inputs of a mixer call; see the contract above.
struct MixerArgs {
  Tensor context;
  Tensor key_padding_mask;
  bool causal = false;
};

/// Recurrent decoding state: named tensors plus the number of tokens consumed so far.
struct MixerState {
  std::map<std::string, Tensor> tensors;
  int64_t position = 0;
};

class Mixer : public Module {
 public:
  /// kind: the registry name ("softmax", "linformer", ...), used in error messages.
  explicit Mixer(std::string kind) : Module(kind), kind_(std::move(kind)) {}

  const std::string& kind() const { return kind_; }
  virtual MixerCapabilities capabilities() const = 0;

  /// Validates x and args against the contract and capabilities, runs forward, then hooks.
  Tensor operator()(const Tensor& x, const MixerArgs& args = {});

  /// The computation; called by operator() after validation.
  virtual Tensor forward(const Tensor& x, const MixerArgs& args) = 0;

  /// Recurrent form (capabilities().recurrent): an empty state for `batch` sequences, then one
  /// step per token: x_t [B, D] -> [B, D]. The default implementations throw "not supported".
  virtual MixerState init_state(int64_t batch);
  virtual Tensor step(const Tensor& x_t, MixerState& state);

 protected:
  /// Throws "[mixer <kind>] <message>".
  [[noreturn]] void fail(const std::string& message) const;

 private:
  std::string kind_;
};

}  // namespace tz::nn
