#pragma once
// Seeded random numbers. A Generator is (seed, offset): each fill of n elements uses the counters
// offset .. offset+n-1 of the seed's stream and then advances offset by n. The numbers are a pure
// function of (seed, counter), so the same seed gives the same tensors on every run, thread count
// and machine.
#include <cstdint>

namespace minitorch {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  void manual_seed(uint64_t seed) { seed_ = seed; offset_ = 0; }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset) { offset_ = offset; }
  // Reserves n counters and returns the first.
  uint64_t advance(uint64_t n) { uint64_t first = offset_; offset_ += n; return first; }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The generator used when none is passed; manual_seed() reseeds it.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace minitorch
