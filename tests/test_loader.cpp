// DataLoader: batching, shuffling, bit-identical batches whatever the number of workers, bounded
// prefetching, clean shutdown (early break, destroyed loader) and errors from the workers.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "data_helpers.hpp"
#include "minitorch/data/image_folder.hpp"
#include "minitorch/data/loader.hpp"
#include "minitorch/data/transforms.hpp"

using namespace mt;
using namespace mt::data;
using Clock = std::chrono::steady_clock;

namespace {

// Example i: input {i, u0, u1} with u drawn from the generator, label i % 3, path "n<i>".
// Optionally slow, broken at one index, and counting its calls.
class Numbers : public Dataset {
 public:
  explicit Numbers(size_t n) : n_(n) {}
  Numbers& delay(int ms) { delay_ms_ = ms; return *this; }
  Numbers& broken_at(int64_t i) { broken_ = i; return *this; }
  int calls() const { return calls_; }

  size_t size() const override { return n_; }
  Example get(size_t i, Generator& gen) const override {
    ++calls_;
    if (delay_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    MT_CHECK(int64_t(i) != broken_, "Numbers: sample ", i, " is broken");
    const auto u = rand({2}, {.dtype = kFloat64}, &gen).to_vector<double>();
    return {tensor({double(i), u[0], u[1]}, {3}, {.dtype = kFloat64}), int64_t(i % 3), path(i)};
  }
  std::string path(size_t i) const override { return join_text({"n", std::to_string(i)}); }

 private:
  size_t n_;
  int delay_ms_ = 0;
  int64_t broken_ = -1;
  mutable std::atomic<int> calls_{0};
};

std::vector<Batch> read_epoch(DataLoader& loader, int64_t epoch) {
  std::vector<Batch> out;
  for (const Batch& b : loader.epoch(epoch)) out.push_back(b);
  return out;
}

std::vector<int64_t> first_column(const Batch& b) {
  std::vector<int64_t> out;
  for (double v : b.inputs.select(1, 0).to_vector<double>()) out.push_back(int64_t(v));
  return out;
}

}  // namespace

TEST_CASE("batches: stacked inputs, int64 labels, paths and indices in dataset order without shuffle") {
  Numbers data(10);
  DataLoader loader(data, {.batch_size = 4});
  CHECK(loader.size() == 3);
  const auto batches = read_epoch(loader, 0);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].inputs.shape() == Shape{4, 3});
  CHECK(batches[2].inputs.shape() == Shape{2, 3});  // the remainder
  CHECK(batches[1].labels.dtype() == kInt64);
  CHECK(batches[1].labels.to_vector<int64_t>() == std::vector<int64_t>{1, 2, 0, 1});
  CHECK(batches[1].indices == std::vector<int64_t>{4, 5, 6, 7});
  CHECK(first_column(batches[1]) == std::vector<int64_t>{4, 5, 6, 7});
  CHECK(batches[2].paths == std::vector<std::string>{"n8", "n9"});
  CHECK(batches[2].index == 2);

  DataLoader dropping(data, {.batch_size = 4, .drop_last = true});
  CHECK(dropping.size() == 2);
  CHECK(read_epoch(dropping, 0).size() == 2);
  DataLoader exact(data, {.batch_size = 5, .drop_last = true});
  CHECK(read_epoch(exact, 0).size() == 2);

  // The explicit API: next() until null.
  auto epoch = loader.epoch(1);
  CHECK(epoch.size() == 3);
  int count = 0;
  while (const Batch* b = epoch.next()) count += int(b->labels.numel());
  CHECK(count == 10);
  CHECK(epoch.next() == nullptr);
}

TEST_CASE("shuffle: one permutation per (seed, epoch)") {
  Numbers data(50);
  DataLoader a(data, {.batch_size = 8, .shuffle = true, .seed = 7});
  DataLoader b(data, {.batch_size = 8, .shuffle = true, .seed = 7});
  DataLoader c(data, {.batch_size = 8, .shuffle = true, .seed = 8});
  const auto order = a.order(0);
  CHECK(std::set<int64_t>(order.begin(), order.end()).size() == 50);
  CHECK(order != a.order(1));
  CHECK(order == b.order(0));
  CHECK(order != c.order(0));
  std::vector<int64_t> seen;
  for (const Batch& batch : a.epoch(0))
    for (int64_t i : first_column(batch)) seen.push_back(i);
  CHECK(seen == order);
}

TEST_CASE("0, 1, 2 (pinned) and 3 workers give bit-identical batches, equal to get(i, sample_generator(seed, epoch, i))") {
  TempDir dir;
  for (int i = 0; i < 12; ++i)
    write_noise_png(dir / join_text({"root/", i % 3 ? "b/" : "a/", std::to_string(i), ".png"}), 20, 24, uint64_t(i));
  using namespace transforms;
  ImageFolder data(dir / "root", Compose({Resize(16, 16), RandomHorizontalFlip(), ColorJitter(0.4, 0.4, 0.4, 0.1),
                                          ToTensor(), Normalize({0.485, 0.456, 0.406}, {0.229, 0.224, 0.225})}));
  std::vector<std::vector<Batch>> runs;
  for (int workers : {0, 1, 3, 2}) {
    // The last run pins its batches, which changes where they live, not their values; without a
    // GPU pin_memory is ignored, as in torch.
    const bool pin = workers == 2;
    DataLoader loader(data, {.batch_size = 5, .shuffle = true, .num_workers = workers, .seed = 2024, .pin_memory = pin});
    std::vector<Batch> all = read_epoch(loader, 0);
    for (const Batch& b : read_epoch(loader, 1)) all.push_back(b);
    for (const Batch& b : all) CHECK(b.inputs.is_pinned() == (pin && cuda::is_available()));
    runs.push_back(all);
  }
  REQUIRE(runs[0].size() == 6);
  for (size_t r = 1; r < runs.size(); ++r)
    for (size_t b = 0; b < runs[0].size(); ++b) {
      CHECK(pixel_equal(runs[r][b].inputs, runs[0][b].inputs));
      CHECK(pixel_equal(runs[r][b].labels, runs[0][b].labels));
      CHECK(runs[r][b].paths == runs[0][b].paths);
    }
  // Epoch 1 (batches 3..5) draws other augmentations than epoch 0 for the same images.
  const Batch& b = runs[0][4];
  Generator gen = sample_generator(2024, 1, b.indices[2]);
  CHECK(pixel_equal(b.inputs[2], data.get(size_t(b.indices[2]), gen).input));
  Generator epoch0 = sample_generator(2024, 0, b.indices[2]);
  CHECK_FALSE(pixel_equal(b.inputs[2], data.get(size_t(b.indices[2]), epoch0).input));
}

TEST_CASE("workers load at most num_workers * prefetch batches ahead") {
  Numbers data(40);
  DataLoader loader(data, {.batch_size = 1, .num_workers = 2, .prefetch = 2});
  auto epoch = loader.epoch(0);
  REQUIRE(epoch.next() != nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(data.calls() <= 1 + 4);  // the one delivered and a full queue
  CHECK(data.calls() >= 2);      // but they did load ahead
}

TEST_CASE("leaving the loop early or destroying the loader joins the workers at once") {
  Numbers data(400);
  data.delay(5);
  DataLoader loader(data, {.batch_size = 2, .num_workers = 3});
  const auto start = Clock::now();
  for (const Batch& b : loader.epoch(0)) {
    CHECK(b.index == 0);
    break;
  }
  // Reading the epoch would take 400 * 5 ms / 3 workers; stopping waits for a batch or two.
  CHECK(Clock::now() - start < std::chrono::seconds(1));
  const int calls = data.calls();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(data.calls() == calls);  // nobody is loading any more

  for (int workers : {0, 2}) {
    auto owner = std::make_unique<DataLoader>(data, LoaderOptions{.batch_size = 2, .num_workers = workers});
    auto epoch = owner->epoch(0);
    REQUIRE(epoch.next() != nullptr);
    owner.reset();  // destroys the loader while its epoch is being read
    CHECK_THROWS_WITH_FRAGMENT(epoch.next(), "epoch 0 was stopped (the loader was destroyed) before batch 1 of 200");
    CHECK(epoch.next() == nullptr);
  }
}

TEST_CASE("an exception while loading reaches the consumer in order, naming the sample's file") {
  for (int workers : {0, 2}) {
    CAPTURE(workers);
    Numbers data(20);
    data.broken_at(13);
    DataLoader loader(data, {.batch_size = 4, .num_workers = workers});
    auto epoch = loader.epoch(0);
    for (int b = 0; b < 3; ++b) {
      const Batch* batch = epoch.next();
      REQUIRE(batch != nullptr);  // the batches before the broken one still arrive
      CHECK(batch->index == b);
    }
    CHECK_THROWS_WITH_FRAGMENT(epoch.next(), "DataLoader: epoch 0, sample 13 ('n13'): Numbers: sample 13 is broken");
    CHECK(epoch.next() == nullptr);  // the epoch is over and its workers joined
  }

  TempDir dir;
  write_noise_png(dir / "r/a/0.png", 8, 8, 1);
  write_text(dir / "r/a/1.png", "corrupt");
  write_noise_png(dir / "r/a/2.png", 8, 8, 2);
  ImageFolder images(dir / "r");
  DataLoader loader(images, {.batch_size = 1, .num_workers = 2});
  auto run = [&] {
    for (const Batch& b : loader.epoch(0)) (void)b;
  };
  CHECK_THROWS_WITH_FRAGMENT(run(), join_text({"DataLoader: epoch 0, sample 1: read_image: '", dir / "r/a/1.png",
                                               "' is not a JPEG, PNG or BMP image"}));
}

TEST_CASE("a batch needs one input shape; options are checked") {
  TempDir dir;
  write_noise_png(dir / "r/a/0.png", 8, 8, 1);
  write_noise_png(dir / "r/a/1.png", 8, 9, 2);
  ImageFolder images(dir / "r");
  DataLoader loader(images, {.batch_size = 2});
  CHECK_THROWS_WITH_FRAGMENT(loader.epoch(0).next(), "its input has shape [8, 9, 3], the batch's first has [8, 8, 3]");

  Numbers data(3);
  CHECK_THROWS_WITH_FRAGMENT(DataLoader(data, {.batch_size = 0}), "batch_size must be at least 1");
  CHECK_THROWS_WITH_FRAGMENT(DataLoader(data, {.num_workers = -1}), "num_workers must be >= 0");
  CHECK_THROWS_WITH_FRAGMENT(DataLoader(data, {.prefetch = 0}), "prefetch must be at least 1");
}
