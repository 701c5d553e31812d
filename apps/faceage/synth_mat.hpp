#pragma once
// Writes the synthetic set's metadata as CACD's celebrity2000_meta.mat.
#include <string>

#include "synth_people.hpp"

namespace faceage::synth {

// MATLAB v5 (zlib-compressed) with CACD's layout: top-level 1x1 structs `celebrityData` (fields
// name, identity, birth, rank, lfw; K x 1 each) and `celebrityImageData` (fields age, identity,
// year, feature, rank, lfw, birth, name; N x 1 each, `feature` an empty 0x0 uint8). Names are cells
// of UTF-8 char row vectors. The file appears complete or not at all (temporary file + rename),
// and its bytes depend on the plan only (the header holds no time stamp).
void write_cacd_meta(const std::string& path, const CacdPlan& plan);

}  // namespace faceage::synth
