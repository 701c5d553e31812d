#pragma once
// One synthetic photo: a face on a background, posed, lit and degraded like a web photo.
#include <cstdint>

#include "minitorch/tensor.hpp"
#include "synth_face.hpp"

namespace faceage::synth {

struct Snapshot {
  minitorch::Tensor image;  // uint8 [size, size, 3]
  int jpeg_quality = 90;    // the photo's own compression level, part of its degradation
};

// A photo of the person with `traits` at `age`; every random choice comes from `seed`.
Snapshot take_photo(const FaceTraits& traits, int age, int size, uint64_t seed);

}  // namespace faceage::synth
