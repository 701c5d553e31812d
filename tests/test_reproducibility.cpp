// One seed reproduces a whole training run: a tiny ConvNeXt (with stochastic depth) and a dropout
// layer trained with Adam for 2 epochs on a synthetic ImageFolder, read by the DataLoader with
// shuffling, random augmentation and worker threads. manual_seed(seed) drives the
// initialisation, dropout and stochastic depth (the default generator); the loader's `seed`
// drives shuffling and augmentation. The same seeds give bit-identical losses, whatever the
// number of workers; changing either seed changes them.
#include <optional>

#include "data_helpers.hpp"
#include "minitorch/data/image_folder.hpp"
#include "minitorch/data/loader.hpp"
#include "minitorch/data/transforms.hpp"
#include "minitorch/optim/optimizer.hpp"
#include "models/convnext.hpp"

using namespace mt;
using namespace mt::data;

namespace {

// 3 classes x 4 noise images of 40 x 36 pixels.
void write_dataset(const TempDir& dir) {
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 4; ++i)
      write_noise_png(dir / join_text({"train/class", std::to_string(c), "/", std::to_string(i), ".png"}), 40, 36,
                      uint64_t(10 * c + i));
}

// The losses of every step of a 2-epoch run. `reseed`, when given, reseeds the default generator
// after the model is built, so that only dropout and stochastic depth see it.
std::vector<float> train(const std::string& root, uint64_t model_seed, uint64_t loader_seed, int workers,
                         std::optional<uint64_t> reseed = std::nullopt) {
  manual_seed(model_seed);  // initialisation, then dropout and stochastic depth while training
  using namespace transforms;
  ImageFolder data(root, Compose({Resize(32, 32), RandomHorizontalFlip(), ColorJitter(0.3, 0.3), ToTensor(),
                                  Normalize({0.485, 0.456, 0.406}, {0.229, 0.224, 0.225})}));
  DataLoader loader(data, {.batch_size = 4, .shuffle = true, .num_workers = workers, .seed = loader_seed});

  models::ConvNeXtConfig config{{1, 1, 1, 1}, {8, 8, 8, 8}, 3, /*stochastic_depth_prob=*/0.5, /*layer_scale=*/1.0};
  auto net = std::make_shared<models::ConvNeXt>(config);
  nn::Sequential model({net, std::make_shared<nn::Dropout>(0.3)});
  model.train();
  if (reseed) manual_seed(*reseed);
  optim::Adam opt(model.parameters(), {.lr = 1e-3});

  std::vector<float> losses;
  for (int64_t epoch = 0; epoch < 2; ++epoch)
    for (const Batch& batch : loader.epoch(epoch)) {
      Tensor loss = cross_entropy(model(batch.inputs), batch.labels);
      opt.zero_grad();
      loss.backward();
      opt.step();
      losses.push_back(loss.item<float>());
    }
  return losses;
}

}  // namespace

TEST_CASE("the same seeds give bit-identical losses for any number of workers; other seeds do not") {
  TempDir dir;
  write_dataset(dir);
  const std::string root = dir / "train";
  const std::vector<float> reference = train(root, 2024, 2024, 2);
  REQUIRE(reference.size() == 6);  // 2 epochs of 3 batches
  CHECK(train(root, 2024, 2024, 2) == reference);
  CHECK(train(root, 2024, 2024, 0) == reference);
  CHECK(train(root, 2024, 2024, 3) == reference);
  CHECK(train(root, 2025, 2024, 2) != reference);  // initialisation, dropout, stochastic depth
  CHECK(train(root, 2024, 2025, 2) != reference);  // shuffling and augmentation
  // Dropout and stochastic depth draw from the default generator during training.
  CHECK(train(root, 2024, 2024, 2, 7) == train(root, 2024, 2024, 0, 7));
  CHECK(train(root, 2024, 2024, 2, 7) != train(root, 2024, 2024, 2, 8));
}
