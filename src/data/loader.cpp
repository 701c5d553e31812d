// DataLoader: the epoch plan (shuffle, batching), batch assembly and the worker threads.
#include "minitorch/data/loader.hpp"

#include <malloc.h>

#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/indexing.hpp"
#include "minitorch/parallel.hpp"

namespace minitorch::data {

namespace {

// SplitMix64's finaliser: consecutive inputs give unrelated outputs, so seeds derived from
// (seed, epoch, index) start streams that do not overlap in practice.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Distinct first keys keep the shuffle stream apart from the sample streams.
constexpr uint64_t kShuffleStream = 0x73687566666c65ull;  // "shuffle"
constexpr uint64_t kSampleStream = 0x73616d706c65ull;     // "sample"

// Prefixes an error from loading a sample with where it happened, adding the file unless the
// message already names it.
std::string sample_context(const Dataset& dataset, int64_t epoch, int64_t index, const std::string& message) {
  const std::string path = dataset.path(size_t(index));
  std::string out = "DataLoader: epoch " + std::to_string(epoch) + ", sample " + std::to_string(index);
  if (!path.empty() && message.find(path) == std::string::npos) out += " ('" + path + "')";
  return out + ": " + message;
}

// Decoding and transforming an image allocates and frees buffers of 0.15-0.6 MB, below the
// 1 MiB from which the CPU allocator keeps blocks for reuse. glibc hands such freed memory back
// to the system once the free space at the top of a thread's heap passes its trim threshold (by
// default twice the largest block it ever mmapped), and every reuse then costs a page fault per
// 4 KiB on first touch: the loader measured 1.9 CPU ms per image with 2 workers that way, against
// 1.0 ms when the memory stays (bench/RESULTS.md). So the first loader raises the thresholds once
// for the process: blocks under 4 MiB come from the heaps, and up to 64 MiB of free memory stays
// on each. A process that sets glibc's malloc tunables itself is left as it is.
void keep_freed_memory() {
#ifdef __GLIBC__
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("GLIBC_TUNABLES") || std::getenv("MALLOC_TRIM_THRESHOLD_") || std::getenv("MALLOC_MMAP_THRESHOLD_"))
      return;
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
  });
#endif
}

}  // namespace

Generator shuffle_generator(uint64_t seed, int64_t epoch) {
  return Generator(mix(mix(seed ^ mix(kShuffleStream)) ^ uint64_t(epoch)));
}

Generator sample_generator(uint64_t seed, int64_t epoch, int64_t index) {
  return Generator(mix(mix(mix(seed ^ mix(kSampleStream)) ^ uint64_t(epoch)) ^ uint64_t(index)));
}

namespace detail {

class EpochRun {
 public:
  EpochRun(const Dataset& dataset, const LoaderOptions& options, int64_t epoch, std::vector<std::vector<int64_t>> plan)
      : dataset_(dataset), options_(options), epoch_(epoch), plan_(std::move(plan)),
        capacity_(size_t(options.num_workers) * size_t(options.prefetch)) {}
  ~EpochRun() { stop(); }

  // Separate from the constructor so that, if starting a thread fails, the destructor joins the
  // ones already running.
  void start() {
    for (int w = 0; w < options_.num_workers; ++w) workers_.emplace_back([this] { work(); });
  }

  size_t size() const { return plan_.size(); }

  const Batch* next() {
    if (finished_) return nullptr;
    if (delivered_ == plan_.size()) return finish();
    std::unique_lock<std::mutex> lock(mutex_);
    if (!workers_.empty()) ready_cv_.wait(lock, [&] { return stopping_ || ready_.count(delivered_) != 0; });
    if (stopping_) {
      finished_ = true;
      minitorch::detail::fail("DataLoader: epoch ", epoch_, " was stopped (the loader was destroyed) before batch ",
                              delivered_, " of ", plan_.size());
    }
    if (workers_.empty()) {  // num_workers == 0: load in the calling thread
      lock.unlock();
      // On one thread, as a worker would: the ops of one image are too small to gain from
      // OpenMP, whose threads then mostly wait (5 CPU ms per image against 1 on a busy machine).
      const int threads = get_num_threads();
      set_num_threads(1);
      try {
        current_ = build(delivered_++);
      } catch (...) {
        set_num_threads(threads);
        finish();
        throw;
      }
      set_num_threads(threads);
      return &current_;
    }
    auto node = ready_.extract(delivered_++);
    lock.unlock();
    work_cv_.notify_all();  // a slot in the queue is free
    if (node.mapped().error) {
      finish();
      std::rethrow_exception(node.mapped().error);
    }
    current_ = std::move(node.mapped().batch);
    return &current_;
  }

  // Asks the workers to stop after their current batch and joins them. Idempotent.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    ready_cv_.notify_all();
    std::lock_guard<std::mutex> joining(join_mutex_);  // the epoch and the loader may both stop it
    for (std::thread& t : workers_)
      if (t.joinable()) t.join();
  }

 private:
  struct Result {
    Batch batch;
    std::exception_ptr error;
  };

  const Batch* finish() {
    finished_ = true;
    stop();
    return nullptr;
  }

  void work() {
    // Parallelism comes from the workers; their ops run on one thread each (the OpenMP thread
    // count is a per-thread setting, so the consumer's is unchanged).
    set_num_threads(1);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      work_cv_.wait(lock, [&] {
        return stopping_ || failed_ || claimed_ >= plan_.size() || claimed_ < delivered_ + capacity_;
      });
      if (stopping_ || failed_ || claimed_ >= plan_.size()) return;
      const size_t b = claimed_++;
      lock.unlock();
      Result r;
      try {
        r.batch = build(b);
      } catch (...) {
        r.error = std::current_exception();
      }
      lock.lock();
      // After a failure no new batches are claimed; the ones before it were all claimed already
      // (claims go in order), so the consumer still receives them before the error.
      if (r.error) failed_ = true;
      ready_.emplace(b, std::move(r));
      ready_cv_.notify_all();
    }
  }

  Batch build(size_t b) const {
    const std::vector<int64_t>& indices = plan_[b];
    Batch batch;
    batch.index = int64_t(b);
    batch.indices = indices;
    std::vector<Tensor> inputs;
    std::vector<int64_t> labels;
    for (const int64_t i : indices) {
      Example ex;
      try {
        Generator gen = sample_generator(options_.seed, epoch_, i);
        ex = dataset_.get(size_t(i), gen);
      } catch (const std::exception& e) {
        throw Error(sample_context(dataset_, epoch_, i, e.what()));
      }
      MT_CHECK(ex.input.defined(), sample_context(dataset_, epoch_, i, "the dataset returned an undefined input"));
      if (!inputs.empty() && ex.input.shape() != inputs[0].shape()) {
        std::string problem = "its input has shape ";
        problem += shape_str(ex.input.shape());
        problem += ", the batch's first has ";
        problem += shape_str(inputs[0].shape());
        problem += " (a batch needs one shape: add a Resize or CenterCrop)";
        throw Error(sample_context(dataset_, epoch_, i, problem));
      }
      inputs.push_back(std::move(ex.input));
      labels.push_back(ex.label);
      batch.paths.push_back(std::move(ex.path));
    }
    batch.labels = from_vector(labels, {int64_t(labels.size())});
    if (options_.pin_memory && cuda::is_available()) {
      // Stacked straight into pinned memory (one copy of the batch, not stack then pin), labels
      // pinned too, so that neither copy to the GPU blocks.
      Shape shape = inputs[0].shape();
      shape.insert(shape.begin(), int64_t(inputs.size()));
      batch.inputs = empty(shape, {.dtype = inputs[0].dtype(), .pin_memory = true});
      for (size_t i = 0; i < inputs.size(); ++i) batch.inputs.select(0, int64_t(i)).copy_(inputs[i]);
      batch.labels = batch.labels.pin_memory();
    } else {
      batch.inputs = stack(inputs);
    }
    return batch;
  }

  const Dataset& dataset_;
  const LoaderOptions options_;
  const int64_t epoch_;
  const std::vector<std::vector<int64_t>> plan_;
  const size_t capacity_;  // batches claimed but not yet delivered, at most

  std::mutex mutex_;
  std::condition_variable work_cv_, ready_cv_;
  size_t claimed_ = 0;    // batches handed to workers (guarded by mutex_)
  size_t delivered_ = 0;  // batches handed to the consumer (guarded by mutex_ when workers run)
  bool stopping_ = false, failed_ = false;
  std::map<size_t, Result> ready_;
  std::vector<std::thread> workers_;
  std::mutex join_mutex_;

  // Consumer side only.
  Batch current_;
  bool finished_ = false;
};

}  // namespace detail

// ---- DataLoader -------------------------------------------------------------------------------

DataLoader::DataLoader(const Dataset& dataset, LoaderOptions options) : dataset_(dataset), options_(options) {
  MT_CHECK(options_.batch_size >= 1, "DataLoader: batch_size must be at least 1, got ", options_.batch_size);
  MT_CHECK(options_.num_workers >= 0, "DataLoader: num_workers must be >= 0, got ", options_.num_workers);
  MT_CHECK(options_.prefetch >= 1, "DataLoader: prefetch must be at least 1, got ", options_.prefetch);
  keep_freed_memory();
}

DataLoader::~DataLoader() {
  for (const auto& weak : runs_)
    if (auto run = weak.lock()) run->stop();
}

size_t DataLoader::size() const {
  const size_t n = dataset_.size(), b = size_t(options_.batch_size);
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  const int64_t n = int64_t(dataset_.size());
  if (!options_.shuffle) {
    std::vector<int64_t> identity(static_cast<size_t>(n));
    std::iota(identity.begin(), identity.end(), int64_t(0));
    return identity;
  }
  Generator gen = shuffle_generator(options_.seed, epoch);
  return randperm(n, &gen).to_vector<int64_t>();
}

DataLoader::Epoch DataLoader::epoch(int64_t epoch) {
  MT_CHECK(epoch >= 0, "DataLoader: epoch must be >= 0, got ", epoch);
  const std::vector<int64_t> order = this->order(epoch);
  std::vector<std::vector<int64_t>> plan;
  for (size_t b = 0; b < size(); ++b) {
    const size_t begin = b * size_t(options_.batch_size), end = std::min(order.size(), begin + size_t(options_.batch_size));
    plan.emplace_back(order.begin() + int64_t(begin), order.begin() + int64_t(end));
  }
  auto run = std::make_shared<detail::EpochRun>(dataset_, options_, epoch, std::move(plan));
  run->start();
  std::erase_if(runs_, [](const std::weak_ptr<detail::EpochRun>& w) { return w.expired(); });
  runs_.push_back(run);
  return Epoch(std::move(run));
}

// ---- Epoch ------------------------------------------------------------------------------------

DataLoader::Epoch::Epoch(std::shared_ptr<detail::EpochRun> run) : run_(std::move(run)) {}
DataLoader::Epoch::~Epoch() {
  if (run_) run_->stop();
}
DataLoader::Epoch::Epoch(Epoch&&) noexcept = default;
DataLoader::Epoch& DataLoader::Epoch::operator=(Epoch&& other) noexcept {
  if (this != &other) {
    if (run_) run_->stop();
    run_ = std::move(other.run_);
  }
  return *this;
}

const Batch* DataLoader::Epoch::next() {
  MT_CHECK(run_ != nullptr, "DataLoader: this epoch was moved from");
  return run_->next();
}

size_t DataLoader::Epoch::size() const { return run_ ? run_->size() : 0; }

DataLoader::Epoch::iterator::iterator(Epoch* epoch) : epoch_(epoch), batch_(epoch->next()) {}

DataLoader::Epoch::iterator& DataLoader::Epoch::iterator::operator++() {
  batch_ = epoch_->next();
  return *this;
}

}  // namespace minitorch::data
