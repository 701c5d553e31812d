#include "minitorch/parallel.hpp"

#include <omp.h>

#include "minitorch/error.hpp"

namespace minitorch {

void set_num_threads(int threads) {
  MT_CHECK(threads >= 1, "set_num_threads: expected at least 1 thread, got ", threads);
  omp_set_num_threads(threads);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace minitorch
