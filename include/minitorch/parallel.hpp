#pragma once
// Thread count of the CPU kernels (OpenMP). Starts at OMP_NUM_THREADS when set, else the cores.
namespace minitorch {
void set_num_threads(int threads);
int get_num_threads();
}  // namespace minitorch
