#pragma once
/// Kernel feature maps phi of the linear-attention family, as small modules over one core
/// (nn/attention/linear_attention_core.h). Linear attention replaces exp(q.k) by
/// phi(q) . phi(k) with non-negative features phi(x) [..., N, F] of per-head rows x [..., N, hd];
/// what differs between the variants is phi alone, so each map is one class here and the
/// global, chunked causal and recurrent forms are written once, in the core.
///
/// Contract of a map (FeatureMap):
///   - forward(x, role, args): x [..., N, hd] -> phi(x) [..., N, F] with F = num_features(hd),
///     every feature >= 0 (so the normaliser sum_j phi(q_i) . phi(k_j) is positive). role tells
///     queries from keys (asymmetric maps may differ, FAVOR+ shifts them differently). Row r of x
///     is sequence position args.position + r: the recurrent step passes one row at a time with
///     its position, so a position-dependent map sees the same positions in every form.
///     For keys, args.key_padding (bool, broadcastable to [..., N, 1], true = padding) is given
///     only so that a map with a statistic over keys (FAVOR+'s shared shift) can leave the padded
///     rows out of it; the core zeroes padded keys' features afterwards, so a map need not.
///   - a map with parameters (a learned map) registers them as usual (register_module /
///     register_parameter); the mixers register their map as the child "feature_map", so they
///     land in the mixer's state_dict as "feature_map.<name>" and train with it.
///   - the stabiliser hook, for maps whose features are exponentials that overflow without a
///     shift (FAVOR+): stabilised() returns true and exp_key_features() returns the key features
///     in log form (ExpKeyFeatures). The non-causal form may shift all keys by one global shift
///     (forward() does that), but in the causal and recurrent forms query i may only see a shift
///     made of keys <= i, so the core evaluates those forms from the log form with the prefix
///     (running) max of the keys' shifts and an exact rescale; see linear_attention_core.h.
///     Maps without overflow (elu+1, relu, softmax-normalised learned maps) keep the default.
///
/// The next maps fit as one small class each:
///   - Hedgehog (learned): a child nn::Linear(hd, F) and forward = softmax over features of
///     its output (optionally concatenated with softmax of the negated output);
///   - cosFormer (position reweighting): forward = [relu(x) cos(pi p / 2L), relu(x) sin(pi p / 2L)]
///     per row at position p = args.position + r, with its length scale L as a member.
/// tests/zoo/test_feature_maps.cpp plugs maps of both kinds into the core to keep this true.
#include <cstdint>
#include <string>

#include "nn/module.h"

namespace tz::nn {

enum class FeatureRole { query, key };

/// What a map may need besides the rows themselves (see the contract above).
struct FeatureArgs {
  /// Keys only: bool, broadcastable to [..., N, 1], true = padding; undefined = no padding.
  Tensor key_padding;
  /// Sequence position of row 0 of x.
  int64_t position = 0;
};

/// Key features of a stabilised map in log form: under a shift c shared by the keys a query
/// sees, feature f of key j is
///     multiplier * (exp(exponent[j, f] - c) + offset)
/// and shift[j] is key j's own candidate for c (FAVOR+: the max over features of W k^). Any c
/// gives the same attention up to offset and the normaliser's eps; the core takes the max of
/// the candidates of the keys the query may see, so every exponent - c <= 0 (no overflow).
struct ExpKeyFeatures {
  Tensor exponent;  // [..., M, F]
  Tensor shift;     // [..., M, 1]
  double offset = 0.0;
  double multiplier = 1.0;
};

class FeatureMap : public Module {
 public:
  using Module::Module;
  /// F for rows of width head_dim.
  virtual int64_t num_features(int64_t head_dim) const = 0;
  /// phi(x): [..., N, hd] -> [..., N, F] (see the contract above).
  virtual Tensor forward(const Tensor& x, FeatureRole role, const FeatureArgs& args = {}) = 0;
  /// forward, then the forward hooks (so features can be captured or patched like any output).
  Tensor operator()(const Tensor& x, FeatureRole role, const FeatureArgs& args = {}) {
    return run_forward_hooks({x}, forward(x, role, args));
  }
  /// Whether the causal and recurrent forms must go through exp_key_features (the stabiliser
  /// hook). Default false.
  virtual bool stabilised() const { return false; }
  /// The log form of the key features of k [..., M, hd]; only for stabilised maps (the default
  /// throws). args as for forward (a padded key's shift is ignored by the core).
  virtual ExpKeyFeatures exp_key_features(const Tensor& k, const FeatureArgs& args = {});

 protected:
  /// Throws unless x is [..., N, head_dim] ("[<type>] expects rows [..., N, 8], got ...").
  void check_rows(const Tensor& x, int64_t head_dim) const;
};

/// "linear" (Katharopoulos et al. 2020): phi(x) = elu(x) + 1 > 0, F = hd. No scaling of x: elu+1
/// is not homogeneous, so a 1/sqrt(hd) would change the model.
class EluFeatureMap : public FeatureMap {
 public:
  EluFeatureMap() : FeatureMap("EluFeatureMap") {}
  int64_t num_features(int64_t head_dim) const override { return head_dim; }
  Tensor forward(const Tensor& x, FeatureRole role, const FeatureArgs& args = {}) override;
  /// The formula itself, for callers without a module.
  static Tensor elu_plus_one(const Tensor& x);
};

/// How a random projection W [m, hd] is drawn (Performer).
struct RandomProjectionSpec {
  int64_t nb_features = 256;  // m
  /// Stacked blocks of random orthogonal rows (true) or i.i.d. Gaussian rows (false).
  bool orthogonal = true;
  /// Orthogonal rows rescaled to chi(hd)-distributed norms (0) or to norm sqrt(hd) (1).
  double ortho_scaling = 0.0;
};

/// The maps of Performer, built on a random projection W [m, hd]: owns the buffer "projection"
/// (drawn at construction from the project generator, so tz::manual_seed reproduces it), its
/// draw and its redraw. F = m for any head_dim; the buffer is [m, head_dim].
class RandomFeatureMap : public FeatureMap {
 public:
  /// persistent: whether the map saves W in its own state_dict ("projection"); false when the
  /// owner registers the same tensor under its own key (PerformerMixer keeps it at its top
  /// level, where its checkpoints have always had it).
  RandomFeatureMap(std::string type_name, int64_t head_dim, const RandomProjectionSpec& spec,
                   const TensorOptions& opts, bool persistent = true);
  int64_t num_features(int64_t) const override { return spec.nb_features; }
  std::string extra_repr() const override;

  /// Draws a new W into the buffer (in place, so every handle to it sees the new draw).
  void redraw();
  /// A random W [m, d] (f64, CPU): orthogonal: ceil(m / d) blocks, each the rows of a random
  /// orthogonal [d, d] matrix (Gram-Schmidt of a Gaussian sample, nn::init::orthogonal_), the
  /// last block truncated, rows rescaled by ortho_scaling (0: norms of fresh Gaussian rows, the
  /// chi(d) distribution, so each row is marginally Gaussian as an i.i.d. row; 1: sqrt(d));
  /// otherwise i.i.d. Gaussian rows. The draws come in that order from the project generator.
  static Tensor draw(int64_t m, int64_t d, bool orthogonal, double ortho_scaling);

  int64_t head_dim;
  RandomProjectionSpec spec;
  Tensor projection;  // W [m, head_dim]

 protected:
  /// x W^T: [..., N, hd] -> [..., N, m]; W is a fixed draw, never trained (detached).
  Tensor project(const Tensor& x) const;
};

/// FAVOR+ (Choromanski et al. 2021): positive random features estimating the softmax kernel
/// exp(q.k / sqrt(hd)). With x^ = x hd^(-1/4),
///     phi(x^) = m^(-1/2) (exp(W x^ - |x^|^2 / 2 - c) + feature_eps)
/// so E[phi(q^) . phi(k^)] ~ exp(q^ . k^) up to the exp(-c) scale and feature_eps. Stabiliser c:
/// per query row the max of W x^ over features (it cancels in the normalisation); for keys one
/// shift shared by all of them, the max of W k^ over features and unpadded rows (forward), or
/// per query the max over the keys it sees (the core, through exp_key_features: exponent
/// W k^ - |k^|^2 / 2, shift max_f W k^, offset feature_eps, multiplier m^(-1/2)). c stays in the
/// graph, so the gradient is the exact derivative of the computed output (the reference code
/// stops it; the two differ by O(feature_eps)).
class FavorSoftmaxFeatureMap : public RandomFeatureMap {
 public:
  FavorSoftmaxFeatureMap(int64_t head_dim, const RandomProjectionSpec& spec, double feature_eps,
                         const TensorOptions& opts = {}, bool persistent = true);
  Tensor forward(const Tensor& x, FeatureRole role, const FeatureArgs& args = {}) override;
  bool stabilised() const override { return true; }
  ExpKeyFeatures exp_key_features(const Tensor& k, const FeatureArgs& args = {}) override;
  std::string extra_repr() const override;

  double feature_eps;
};

/// Performer's generalized attention with the relu kernel: phi(x) = relu(W x) + 1e-3 (no
/// normalisation of x; the constant keeps the normaliser positive), the same for queries and keys.
class FavorReluFeatureMap : public RandomFeatureMap {
 public:
  FavorReluFeatureMap(int64_t head_dim, const RandomProjectionSpec& spec, const TensorOptions& opts = {},
                      bool persistent = true);
  Tensor forward(const Tensor& x, FeatureRole role, const FeatureArgs& args = {}) override;
};

}  // namespace tz::nn
