#pragma once
// A synthetic CACD-like data set, for running the tutorial where the real Cross-Age Celebrity
// Dataset cannot be downloaded: the same files and metadata, with drawn faces in which age shows.
#include <cstdint>
#include <string>

namespace faceage {

struct SynthOptions {
  std::string out_dir;    // receives CACD2000/ and celebrity2000_meta.mat
  int identities = 60;    // people; identity i is centred on the age group (i mod 6), 10s..60s
  int per_identity = 24;  // photos per person: the defaults give every age group over 200 images
  int size = 250;         // width and height of the photos, as in CACD
  uint64_t seed = 0;      // the same seed gives the same bytes
};

// Writes out_dir/CACD2000/AGE_First_Last_NNNN.jpg and out_dir/celebrity2000_meta.mat (MATLAB v5,
// CACD's layout). The .mat is written last, so its presence means the set is complete. Throws
// minitorch::Error on bad options or when the files cannot be written.
void write_synthetic_cacd(const SynthOptions& options);

}  // namespace faceage
