// write_synthetic_cacd: plan the people and photos, draw each photo, then write the metadata.
#include "synth.hpp"

#include <filesystem>
#include <system_error>

#include "minitorch/data/image.hpp"
#include "files.hpp"
#include "minitorch/error.hpp"
#include "synth_mat.hpp"
#include "synth_people.hpp"
#include "synth_photo.hpp"

namespace faceage {

namespace {

void check_options(const SynthOptions& o) {
  const char* op = "write_synthetic_cacd";
  MT_CHECK(!o.out_dir.empty(), op, ": out_dir is empty");
  // Identities are stored as uint16 in the .mat; numbers in file names have four digits.
  MT_CHECK(o.identities >= 1 && o.identities <= 65535, op, ": identities must be in [1, 65535], got ", o.identities);
  MT_CHECK(o.per_identity >= 1 && o.per_identity <= 1000, op, ": per_identity must be in [1, 1000], got ",
           o.per_identity);
  MT_CHECK(o.size >= 32 && o.size <= 4096, op, ": size must be in [32, 4096] pixels, got ", o.size);
}

}  // namespace

void write_synthetic_cacd(const SynthOptions& o) {
  namespace fs = std::filesystem;
  using namespace synth;
  check_options(o);
  const fs::path images_dir = fs::path(o.out_dir) / "CACD2000", meta = fs::path(o.out_dir) / "celebrity2000_meta.mat";
  // The layout is the real CACD download's: a set is written only where none is, or over an
  // earlier synthetic one (marked by .faceage-synth), never over the real data.
  const fs::path marker = fs::path(o.out_dir) / ".faceage-synth";
  std::error_code error;
  const bool data_there = fs::exists(meta, error) || (fs::is_directory(images_dir, error) && !fs::is_empty(images_dir, error));
  MT_CHECK(!data_there || fs::exists(marker, error), "synth: ", o.out_dir, " already holds a CACD2000/ folder or ",
           "celebrity2000_meta.mat that faceage synth did not write; choose another --out");
  // An earlier synthetic set is replaced whole: its images would otherwise outlive its metadata.
  if (data_there) {
    fs::remove_all(images_dir, error);
    MT_CHECK(!error, "synth: cannot remove the earlier set's ", images_dir.string(), ": ", error.message());
    fs::remove(meta, error);
    MT_CHECK(!error, "synth: cannot remove the earlier set's ", meta.string(), ": ", error.message());
  }
  fs::create_directories(images_dir, error);
  MT_CHECK(!error, "write_synthetic_cacd: cannot create the directory '", images_dir.string(), "': ", error.message());
  write_text_atomic(marker, "written by faceage synth\n");

  const CacdPlan plan = plan_cacd(o.identities, o.per_identity, o.seed);
  std::vector<FaceTraits> traits;
  for (size_t i = 0; i < plan.celebrities.size(); ++i) {
    Rng rng(derive_seed(derive_seed(o.seed, 1), i));
    traits.push_back(random_traits(rng));
  }
  for (size_t i = 0; i < plan.images.size(); ++i) {
    const CacdImage& image = plan.images[i];
    const Snapshot shot =
        take_photo(traits[size_t(image.identity - 1)], image.age, o.size, derive_seed(derive_seed(o.seed, 2), i));
    minitorch::data::write_jpeg((images_dir / image.file).string(), shot.image, shot.jpeg_quality);
  }
  write_cacd_meta((fs::path(o.out_dir) / "celebrity2000_meta.mat").string(), plan);
}

}  // namespace faceage
