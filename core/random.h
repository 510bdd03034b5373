#pragma once
/// The global counter-based generator. A seed and an offset name a position in a Philox4x32-10
/// stream; every random op takes numel consecutive counters, so results depend only on
/// (seed, call order), never on the backend or the thread count.
///
/// Threads: a Generator may be shared by threads (the default one is). Each draw reserves its
/// counters with one locked step that also reads the seed, so concurrent draws get disjoint
/// ranges of one stream (in some order) and never a seed from one manual_seed with an offset
/// from another. The lock is per generator and held only for the reservation, not the kernel.
#include <cstdint>
#include <mutex>

namespace tz {

struct GeneratorState {
  uint64_t seed = 0;
  uint64_t offset = 0;
};

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : state_{seed, 0} {}
  /// Copies the other generator's current state (a fresh lock: locks are not shared).
  Generator(const Generator& o) : state_(o.state()) {}
  Generator& operator=(const Generator& o) {
    if (this != &o) set_state(o.state());
    return *this;
  }

  /// Restarts the stream: seed `seed`, offset 0.
  void manual_seed(uint64_t seed) { set_state({seed, 0}); }
  uint64_t seed() const { return state().seed; }
  /// Reserves n counters; returns the seed they belong to and the first of them, read together.
  GeneratorState reserve(uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    const GeneratorState r = state_;
    state_.offset += n;
    return r;
  }
  /// Reserves n counters and returns the first (reserve(n).offset).
  uint64_t advance(uint64_t n) { return reserve(n).offset; }
  GeneratorState state() const {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }
  void set_state(const GeneratorState& s) {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = s;
  }

 private:
  mutable std::mutex mu_;
  GeneratorState state_;
};

/// The default generator used by rand/randn/dropout/... when none is passed.
Generator& default_generator();
/// Seeds the default generator (and resets its offset).
void manual_seed(uint64_t seed);

}  // namespace tz
