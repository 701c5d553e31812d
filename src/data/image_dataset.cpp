// The shared part of the image datasets: reading a sample, and skip_bad_images.
#include <algorithm>
#include <cctype>
#include <iostream>

#include "minitorch/data/dataset.hpp"
#include "minitorch/data/image.hpp"

namespace minitorch::data {

bool has_extension(const std::string& path, const std::vector<std::string>& extensions) {
  const auto lower = [](std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string name = lower(path);
  for (const std::string& e : extensions) {
    const std::string ext = lower(e.empty() || e[0] == '.' ? e : "." + e);
    if (!ext.empty() && name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
      return true;
  }
  return false;
}

ImageDataset::ImageDataset(const char* who, ImageList images, Transform transform, bool skip_bad_images)
    : samples_(std::move(images.samples)), classes_(std::move(images.classes)), transform_(std::move(transform)) {
  if (skip_bad_images) drop_undecodable(who);
}

void ImageDataset::drop_undecodable(const char* who) {
  std::vector<std::string> reasons(samples_.size());
  // Decoding is most of the work, and every image is independent: one image per iteration,
  // dynamically scheduled because sizes vary.
#pragma omp parallel for schedule(dynamic, 4)
  for (int64_t i = 0; i < int64_t(samples_.size()); ++i) {
    try {
      (void)read_image(samples_[size_t(i)].path);
    } catch (const std::exception& e) {
      reasons[size_t(i)] = e.what();
      if (reasons[size_t(i)].empty()) reasons[size_t(i)] = "unknown error";
    }
  }
  std::vector<ImageSample> kept;
  for (size_t i = 0; i < samples_.size(); ++i) {
    if (reasons[i].empty()) kept.push_back(std::move(samples_[i]));
    else skipped_.push_back({samples_[i].path, reasons[i]});
  }
  if (skipped_.empty()) return;
  std::cerr << who << ": warning: skipped " << skipped_.size() << " of " << samples_.size()
            << " images that cannot be decoded (the first: " << skipped_[0].reason << ")\n";
  MT_CHECK(!kept.empty(), who, ": none of the ", samples_.size(), " images can be decoded (the first: ",
           skipped_[0].reason, ")");
  samples_ = std::move(kept);
}

Example ImageDataset::get(size_t index, Generator& gen) const {
  MT_CHECK(index < samples_.size(), "ImageDataset: index ", index, " is out of range for ", samples_.size(), " samples");
  const ImageSample& s = samples_[index];
  Tensor image = read_image(s.path);
  return {transform_ ? transform_(image, gen) : image, s.label, s.path};
}

std::string ImageDataset::path(size_t index) const { return index < samples_.size() ? samples_[index].path : ""; }

std::map<std::string, int64_t> ImageDataset::class_to_idx() const {
  std::map<std::string, int64_t> out;
  for (size_t i = 0; i < classes_.size(); ++i) out.emplace(classes_[i], int64_t(i));
  return out;
}

}  // namespace minitorch::data
