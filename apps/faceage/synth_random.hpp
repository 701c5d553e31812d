#pragma once
// The random numbers of the synthetic CACD set. Everything is derived from the user's seed through
// mt19937_64, whose output the C++ standard fixes; the distributions are written out here because
// std::uniform_real_distribution and friends may differ between standard libraries, and the same
// seed must give the same bytes everywhere.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace faceage::synth {

// SplitMix64 finaliser: turns (seed, stream) into well-mixed, independent seeds, so every identity
// and every photo has its own stream and can be generated on its own.
inline uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  double uniform() { return double(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // An integer in [lo, hi]; the modulo bias is below 2^-40 for the small ranges used here.
  int integer(int lo, int hi) { return lo + int(engine_() % uint64_t(hi - lo + 1)); }
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box-Muller; the second value is dropped for simplicity).
  double normal() {
    const double u = 1.0 - uniform();  // (0, 1]: log stays finite
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * uniform());
  }
  // Roughly standard normal from a single draw (sum of four 16-bit uniforms, Irwin-Hall): cheap
  // enough for per-pixel noise.
  double approx_normal() {
    const uint64_t bits = engine_();
    const double sum = double((bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48));
    return (sum / 65536.0 - 2.0) * 1.7320508075688772;  // variance 4/12 scaled to 1
  }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[size_t(integer(0, int(items.size()) - 1))];
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace faceage::synth
