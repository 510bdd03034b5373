#pragma once
/// The global counter-based generator. A seed and an offset name a position in a Philox4x32-10
/// stream; every random op takes numel consecutive counters, so results depend only on
/// (seed, call order), never on the backend or the thread count.
#include <cstdint>

namespace tz {

struct GeneratorState {
  uint64_t seed = 0;
  uint64_t offset = 0;
};

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : state_{seed, 0} {}
  void manual_seed(uint64_t seed) { state_ = {seed, 0}; }
  uint64_t seed() const { return state_.seed; }
  /// Reserves n counters and returns the first.
  uint64_t advance(uint64_t n) {
    const uint64_t o = state_.offset;
    state_.offset += n;
    return o;
  }
  GeneratorState state() const { return state_; }
  void set_state(const GeneratorState& s) { state_ = s; }

 private:
  GeneratorState state_;
};

/// The default generator used by rand/randn/dropout/... when none is passed.
Generator& default_generator();
/// Seeds the default generator (and resets its offset).
void manual_seed(uint64_t seed);

}  // namespace tz
