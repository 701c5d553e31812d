#pragma once
// Who is in the synthetic CACD set and which photos of them exist: the metadata side of the set,
// with no pixels. The records mirror the two structs of celebrity2000_meta.mat.
#include <cstdint>
#include <string>
#include <vector>

namespace faceage::synth {

// CACD's photos were taken 2004-2013 and its metadata holds ages 14-62.
inline constexpr int kFirstYear = 2004;
inline constexpr int kLastYear = 2013;
inline constexpr int kMinAge = 14;
inline constexpr int kMaxAge = 62;

struct Celebrity {  // one row of celebrityData
  std::string name;  // "First_Last", UTF-8
  int identity = 0;  // 1-based, as in CACD
  int birth = 0;
  int rank = 0;  // popularity rank among those born the same year, 1..50
  int lfw = 0;   // 1 when the person is also in Labeled Faces in the Wild
};

struct CacdImage {  // one row of celebrityImageData
  int identity = 0;  // 1-based index into the celebrities
  int year = 0;
  int age = 0;       // year - birth
  std::string file;  // "AGE_First_Last_NNNN.jpg"
};

struct CacdPlan {
  std::vector<Celebrity> celebrities;
  std::vector<CacdImage> images;  // ordered by identity, then year, then number
};

// `identities` people with `per_identity` photos each. Identity i is centred on the age group
// (i mod 6) (10s..60s), so every group is populated, with some spill into the neighbouring groups.
CacdPlan plan_cacd(int identities, int per_identity, uint64_t seed);

}  // namespace faceage::synth
