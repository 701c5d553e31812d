#include "progress.hpp"

#include <cstdio>

namespace faceage {

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { finish(); }

void Progress::update(int64_t done) {
  if (!enabled_ || total_ <= 0) return;
  drawn_ = true;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? double(done) / seconds : 0;
  const double eta = rate > 0 ? double(total_ - done) / rate : 0;
  constexpr int kWidth = 30;
  const int filled = int(kWidth * done / total_);
  std::fprintf(stderr, "\r%-5s [%s%s] %lld/%lld  %.1f img/s  ETA %d:%02d ", label_.c_str(),
               std::string(size_t(filled), '=').c_str(), std::string(size_t(kWidth - filled), ' ').c_str(),
               (long long)done, (long long)total_, rate, int(eta) / 60, int(eta) % 60);
  std::fflush(stderr);
}

void Progress::finish() {
  if (drawn_) std::fprintf(stderr, "\r%*s\r", 90, "");
  drawn_ = false;
}

}  // namespace faceage
