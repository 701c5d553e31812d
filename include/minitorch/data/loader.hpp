#pragma once
// DataLoader: batches of a Dataset, shuffled per epoch, loaded by worker threads.
//
//   DataLoader loader(train, {.batch_size = 32, .shuffle = true, .num_workers = 4, .seed = 2024});
//   for (int64_t epoch = 0; epoch < 5; ++epoch)
//     for (const Batch& batch : loader.epoch(epoch)) {
//       Tensor logits = model(batch.inputs);            // [32, 3, 224, 224]
//       Tensor loss = cross_entropy(logits, batch.labels);
//       ...
//     }
//
// Determinism: the order of an epoch is a permutation drawn from a generator seeded by
// (seed, epoch) (shuffle_generator), and sample i's augmentation draws from a generator seeded by
// (seed, epoch, i) (sample_generator). No draw depends on which thread loads what or when, so the
// batches are bit-identical for every num_workers; and since the loader never touches the
// default generator, it cannot disturb the model's initialisation or dropout.
// One seed drives a whole run when the app calls manual_seed(s) (initialisation, dropout and
// stochastic depth use the default generator) and gives the loaders seed s as well (their streams
// are derived through a hash, so they do not overlap the default generator's).
//
// Workers: num_workers = 0 loads each batch in the calling thread when it is asked for. With
// num_workers = n, n threads load whole batches (each sample decoded and transformed by one
// thread, its ops running single-threaded) into a queue holding at most n * prefetch batches,
// and the consumer receives them in order. An exception while loading a sample (a corrupt image)
// reaches the consumer when it asks for that batch, as an Error naming the sample's file; the
// workers are then stopped. Leaving the loop early (break, an exception) or destroying the loader
// stops and joins the workers, waiting at most for the batches being loaded at that moment.
//
// The dataset must outlive the loader and its epochs.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "minitorch/data/dataset.hpp"

namespace minitorch::data {

struct LoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;  // drop a last batch smaller than batch_size
  int num_workers = 0;
  uint64_t seed = 0;
  int prefetch = 2;        // batches each worker may load ahead (torch's prefetch_factor)
  // Batch inputs in pinned (page-locked) memory, copied there by the loading thread, so that
  // batch.inputs.to(kCUDA, true) is asynchronous. Ignored when no GPU is usable, as in torch.
  bool pin_memory = false;
};

struct Batch {
  Tensor inputs;                  // the examples' inputs stacked: [B, ...]
  Tensor labels;                  // int64 [B]
  std::vector<std::string> paths;
  std::vector<int64_t> indices;   // dataset indices of the examples
  int64_t index = 0;              // position of the batch in its epoch
};

// The generators behind the determinism promise above.
Generator shuffle_generator(uint64_t seed, int64_t epoch);
Generator sample_generator(uint64_t seed, int64_t epoch, int64_t index);

namespace detail {
class EpochRun;  // the workers and queue of one epoch (src/data/loader.cpp)
}

class DataLoader {
 public:
  class Epoch;

  explicit DataLoader(const Dataset& dataset, LoaderOptions options = {});
  ~DataLoader();  // stops the workers of every epoch still being read
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  size_t size() const;  // batches per epoch
  const LoaderOptions& options() const { return options_; }
  const Dataset& dataset() const { return dataset_; }
  // The dataset indices of an epoch in the order they are batched.
  std::vector<int64_t> order(int64_t epoch) const;
  // Starts loading epoch `epoch` (the workers begin at once) and returns it to iterate over.
  Epoch epoch(int64_t epoch);

 private:
  const Dataset& dataset_;
  LoaderOptions options_;
  std::vector<std::weak_ptr<detail::EpochRun>> runs_;
};

// One pass over the data. Iterate with range-for, or call next() until it returns null. The
// batch a pointer or reference designates stays valid until the next call; copy it (tensors are
// handles, cheap to copy) to keep it longer.
class DataLoader::Epoch {
 public:
  class iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    const Batch& operator*() const { return *batch_; }
    const Batch* operator->() const { return batch_; }
    iterator& operator++();
    void operator++(int) { ++*this; }
    bool operator==(const iterator& other) const { return batch_ == other.batch_; }

   private:
    friend class Epoch;
    explicit iterator(Epoch* epoch);
    Epoch* epoch_ = nullptr;
    const Batch* batch_ = nullptr;
  };

  explicit Epoch(std::shared_ptr<detail::EpochRun> run);
  ~Epoch();  // stops and joins the workers
  Epoch(Epoch&&) noexcept;
  Epoch& operator=(Epoch&&) noexcept;

  const Batch* next();  // null after the last batch
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }
  size_t size() const;  // batches in the epoch

 private:
  std::shared_ptr<detail::EpochRun> run_;
};

}  // namespace minitorch::data
