#include "minitorch/autocast.hpp"

namespace minitorch {

namespace {
thread_local bool autocast_on = false;  // per thread, like grad mode
}  // namespace

AutocastGuard::AutocastGuard(bool enabled) : previous_(autocast_on) { autocast_on = enabled; }
AutocastGuard::~AutocastGuard() { autocast_on = previous_; }
bool autocast_enabled() { return autocast_on; }

}  // namespace minitorch
