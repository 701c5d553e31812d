#pragma once
// Datasets: indexed collections of labelled examples, which the DataLoader (data/loader.hpp)
// turns into batches.
//
// get(index, gen) returns one example. Its random augmentations draw only from `gen`, which the
// loader derives from (seed, epoch, index), so an example is the same whichever thread loads it.
// get() is const and must be safe to call from several threads at once: the loader's workers do.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "minitorch/random.hpp"
#include "minitorch/tensor.hpp"

namespace minitorch::data {

struct Example {
  Tensor input;        // what the transform made of the image (float32 [3, H, W] after ToTensor)
  int64_t label = -1;  // class index
  std::string path;    // the file it came from ("" when none)
};

// Image -> input, drawing its randomness from the generator; a transforms::Compose is one.
using Transform = std::function<Tensor(const Tensor& image, Generator& gen)>;

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  virtual Example get(size_t index, Generator& gen) const = 0;
  // The file behind an index, for error messages; "" when there is none.
  virtual std::string path(size_t index) const { return {}; }
};

struct ImageSample {
  std::string path;
  int64_t label;
};

// What a dataset class found on disk: the samples and the class names (index -> name).
struct ImageList {
  std::vector<ImageSample> samples;
  std::vector<std::string> classes;
};

// An image that skip_bad_images left out, and why.
struct SkippedImage {
  std::string path;
  std::string reason;
};

// Labelled image files: the common part of ImageFolder and CsvImageDataset. get() reads the file
// (data/image.hpp) and applies the transform; without a transform the input is the uint8
// [H, W, 3] image itself.
class ImageDataset : public Dataset {
 public:
  size_t size() const override { return samples_.size(); }
  Example get(size_t index, Generator& gen) const override;
  std::string path(size_t index) const override;

  const std::vector<ImageSample>& samples() const { return samples_; }
  const std::vector<std::string>& classes() const { return classes_; }  // index -> name
  std::map<std::string, int64_t> class_to_idx() const;                  // name -> index
  // The images left out by skip_bad_images (empty otherwise).
  const std::vector<SkippedImage>& skipped() const { return skipped_; }

 protected:
  // With skip_bad_images every image is decoded once here, in parallel, and those that fail are
  // dropped with one warning on stderr that counts them; get() then never meets a corrupt file
  // (unless it changes on disk). Without it nothing is decoded up front, and a corrupt image is an
  // Error naming the file when get() reaches it. `who` names the dataset class in messages.
  ImageDataset(const char* who, ImageList images, Transform transform, bool skip_bad_images);

 private:
  void drop_undecodable(const char* who);

  std::vector<ImageSample> samples_;
  std::vector<std::string> classes_;
  Transform transform_;
  std::vector<SkippedImage> skipped_;
};

// Whether `path` ends with one of `extensions` (".jpg" or "jpg"), ignoring ASCII case.
bool has_extension(const std::string& path, const std::vector<std::string>& extensions);

}  // namespace minitorch::data
