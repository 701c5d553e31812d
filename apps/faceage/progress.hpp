#pragma once
// A one-line progress bar with images/s and ETA, drawn on stderr only when it is a terminal.
#include <chrono>
#include <cstdint>
#include <string>

namespace faceage {

class Progress {
 public:
  Progress(std::string label, int64_t total, bool enabled);
  // Clears the bar if finish() was not reached (an error is thrown through it), so the error
  // starts its own line.
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void update(int64_t done);
  void finish();

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool drawn_ = false;  // something is on the line
  std::chrono::steady_clock::time_point start_;
};

}  // namespace faceage
