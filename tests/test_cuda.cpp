// CUDA device memory: round trips and errors. Exits with 77 (ctest: skipped) without a GPU.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdio>

#include "helpers.hpp"

using namespace mt;

TEST_CASE("host <-> device round trip") {
  Tensor h = arange(0, 1000).reshape({10, 100});
  Tensor d = h.to(kCUDA);
  CHECK(d.device().is_cuda());
  CHECK(d.to(kCPU).to_vector<float>() == h.to_vector<float>());
  Tensor z = zeros({7}, {.device = kCUDA});
  CHECK(z.to(kCPU).to_vector<float>() == std::vector<float>(7, 0.f));
  CHECK(z.str() == "tensor([0., 0., 0., 0., 0., 0., 0.], device='cuda:0')");
  CHECK_THROWS_WITH_FRAGMENT(d + d, "cuda");  // no elementwise kernels on the GPU yet
  CHECK_THROWS_WITH_FRAGMENT(h + d, "one device");
}

int main(int argc, char** argv) {
  if (!cuda::is_available()) {
    std::printf("SKIPPED: no CUDA device is available (built %s CUDA)\n",
#ifdef MINITORCH_WITH_CUDA
                "with"
#else
                "without"
#endif
    );
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
