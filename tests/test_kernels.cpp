// Fast CPU kernels against the reference kernels (kernels/cpu/reference.hpp), called directly
// through the kernel interface.
#include <algorithm>
#include <vector>

#include "cpu/depthwise_avx512.hpp"
#include "cpu/gemm_avx512.hpp"
#include "cpu/reference.hpp"
#include "cpu/simd.hpp"
#include "depthwise_strips.hpp"
#include "helpers.hpp"
#include "kernels.hpp"

using namespace mt;
namespace k = mt::kernels;

namespace {
std::vector<float> random_floats(size_t n, uint64_t seed, double scale = 1) {
  Generator g(seed);
  return (randn({int64_t(n)}, {}, &g) * scale).to_vector<float>();
}

struct Shape3 {
  int64_t m, n, k;
};

// One test product of shape s: variant bit 1 transposes A, bit 2 B, bit 4 takes alpha 0.5 and
// beta 2 (else 1 and 0). Leading dims are padded, so the kernel must honour them.
k::GemmArgs gemm_case(Shape3 s, int variant) {
  k::GemmArgs g;
  g.trans_a = variant & 1;
  g.trans_b = variant & 2;
  g.m = s.m, g.n = s.n, g.k = s.k;
  g.alpha = (variant & 4) ? 0.5 : 1.0;
  g.beta = (variant & 4) ? 2.0 : 0.0;
  g.lda = (g.trans_a ? s.m : s.k) + 3;
  g.ldb = (g.trans_b ? s.k : s.n) + 1;
  g.ldc = s.n + 2;
  return g;
}
size_t a_size(const k::GemmArgs& g) { return size_t((g.trans_a ? g.k : g.m) * g.lda); }
size_t b_size(const k::GemmArgs& g) { return size_t((g.trans_b ? g.n : g.k) * g.ldb); }

// C against the reference, element by element; a sum of k products may differ by about sqrt(k).
void require_gemm_close(const k::GemmArgs& g, const std::vector<float>& c, const std::vector<float>& ref) {
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j)
      REQUIRE(c[size_t(i * g.ldc + j)] ==
              doctest::Approx(ref[size_t(i * g.ldc + j)]).epsilon(1e-4).scale(std::sqrt(double(g.k))));
}
}  // namespace

TEST_CASE("gemm: fast == reference for odd shapes, strides, transposes, alpha and beta") {
  for (Shape3 s : {Shape3{1, 1, 1}, Shape3{7, 5, 3}, Shape3{33, 65, 17}, Shape3{128, 96, 384}, Shape3{3, 200, 1}}) {
    for (int variant = 0; variant < 8; ++variant) {
      k::GemmArgs g = gemm_case(s, variant);
      const auto a = random_floats(a_size(g), 1);
      const auto b = random_floats(b_size(g), 2);
      auto c_fast = random_floats(size_t(s.m * g.ldc), 3), c_ref = c_fast;
      g.a = a.data();
      g.b = b.data();
      g.c = c_fast.data();
      k::cpu_backend().gemm(kFloat32, g);
      k::reference::gemm(g, a.data(), b.data(), c_ref.data());
      CAPTURE(s.m);
      CAPTURE(s.n);
      CAPTURE(s.k);
      CAPTURE(variant);
      require_gemm_close(g, c_fast, c_ref);
    }
  }
}

TEST_CASE("gemm with bfloat16 operands (autocast) == reference on the widened operands, batched and strided") {
  // Variants 0-3: 13 x 21 x 70, the widened path; 4-7: 64 x 64 x 70, the AVX512_BF16 kernel where
  // the build has it. Bits 1 and 2 transpose A and B.
  for (int variant = 0; variant < 8; ++variant) {
    const int64_t m = variant < 4 ? 13 : 64, n = variant < 4 ? 21 : 64, kk = 70, batch = 3;
    k::GemmArgs g;
    g.bf16_operands = true;
    g.trans_a = variant & 1;
    g.trans_b = variant & 2;
    g.m = m, g.n = n, g.k = kk, g.batch = batch;
    g.lda = (g.trans_a ? m : kk) + 2;
    g.ldb = (g.trans_b ? kk : n) + 1;
    g.ldc = n;
    g.batch_stride_a = (g.trans_a ? kk : m) * g.lda;
    g.batch_stride_b = 0;  // one B shared by the batch
    g.batch_stride_c = m * n;
    const auto a_float = random_floats(size_t(batch * g.batch_stride_a), 4);
    const auto b_float = random_floats(size_t((g.trans_b ? n : kk) * g.ldb), 5);
    // The operands as bfloat16, and the same values widened back to float for the reference.
    std::vector<BFloat16> a(a_float.size()), b(b_float.size());
    std::vector<float> a_wide(a.size()), b_wide(b.size());
    for (size_t i = 0; i < a.size(); ++i) a[i] = BFloat16(a_float[i]), a_wide[i] = float(a[i]);
    for (size_t i = 0; i < b.size(); ++i) b[i] = BFloat16(b_float[i]), b_wide[i] = float(b[i]);
    std::vector<float> c(size_t(batch * m * n), NAN), ref(c.size());
    g.a = a.data(), g.b = b.data(), g.c = c.data();
    k::cpu_backend().gemm(kFloat32, g);
    k::GemmArgs one = g;
    for (int64_t i = 0; i < batch; ++i)
      k::reference::gemm(one, a_wide.data() + i * g.batch_stride_a, b_wide.data(), ref.data() + i * m * n);
    CAPTURE(variant);
    for (size_t i = 0; i < c.size(); ++i) REQUIRE(c[i] == doctest::Approx(ref[i]).epsilon(1e-5).scale(10));
  }
  // A bfloat16 product must write float32.
  k::GemmArgs g;
  g.bf16_operands = true;
  g.m = g.n = g.k = 1;
  CHECK_THROWS_WITH_AS(k::cpu_backend().gemm(kFloat64, g), doctest::Contains("float32 output"), Error);
}

TEST_CASE("gemm with bfloat16 operands, large enough for the AVX512_BF16 kernel, == reference on the widened operands") {
  if (!MINITORCH_GEMM_BF16) MESSAGE("SKIPPED: this build has no AVX512_BF16 gemm kernel; the widened path is checked");
  // Odd depths (a pair padded with zero), partial tiles and panels (92 columns: a last panel of
  // 28, both halves of a transposed B's panel), a depth of 1, several depth slices and row blocks
  // (250 x 300 x 601), two column blocks (3100 columns), depth chunks (20001 deep).
  for (Shape3 s : {Shape3{100, 70, 75}, Shape3{100, 92, 75}, Shape3{512, 512, 1}, Shape3{250, 300, 601},
                   Shape3{13, 3100, 31}, Shape3{20, 40, 20001}}) {
    for (int variant = 0; variant < 8; ++variant) {
      k::GemmArgs g = gemm_case(s, variant);
      g.bf16_operands = true;
      const auto a_float = random_floats(a_size(g), 6);
      const auto b_float = random_floats(b_size(g), 7);
      std::vector<BFloat16> a(a_float.size()), b(b_float.size());
      std::vector<float> a_wide(a.size()), b_wide(b.size());
      for (size_t i = 0; i < a.size(); ++i) a[i] = BFloat16(a_float[i]), a_wide[i] = float(a[i]);
      for (size_t i = 0; i < b.size(); ++i) b[i] = BFloat16(b_float[i]), b_wide[i] = float(b[i]);
      // beta 0 must not read C: it starts as NaN there.
      std::vector<float> c = g.beta == 0 ? std::vector<float>(size_t(s.m * g.ldc), NAN)
                                         : random_floats(size_t(s.m * g.ldc), 8);
      std::vector<float> ref = c;
      g.a = a.data(), g.b = b.data(), g.c = c.data();
      k::cpu_backend().gemm(kFloat32, g);
      k::reference::gemm(g, a_wide.data(), b_wide.data(), ref.data());
      CAPTURE(s.m);
      CAPTURE(s.n);
      CAPTURE(s.k);
      CAPTURE(variant);
      require_gemm_close(g, c, ref);
    }
  }
}

TEST_CASE("gemm: products that cross every cache block of the blocked kernel") {
  // 250 rows: several row blocks and a partial one; 3100 columns: two column blocks and a partial
  // panel; depth 600: three depth slices, the last partial.
  for (int variant : {0, 3}) {
    k::GemmArgs g;
    g.trans_a = variant & 1;
    g.trans_b = variant & 2;
    g.m = 250; g.n = 3100; g.k = 600;
    g.lda = g.trans_a ? g.m : g.k;
    g.ldb = g.trans_b ? g.k : g.n;
    g.ldc = g.n;
    g.beta = 1;
    const auto a = random_floats(size_t(g.m * g.k), 11), b = random_floats(size_t(g.k * g.n), 12);
    auto c = random_floats(size_t(g.m * g.n), 13), ref = c;
    g.a = a.data(); g.b = b.data(); g.c = c.data();
    k::cpu_backend().gemm(kFloat32, g);
    k::reference::gemm(g, a.data(), b.data(), ref.data());
    CAPTURE(variant);
    for (size_t i = 0; i < c.size(); ++i) REQUIRE(c[i] == doctest::Approx(ref[i]).epsilon(1e-4).scale(25));
  }
}

TEST_CASE("gemm: deep products summed in depth chunks, the same at every thread count") {
  // Depth 16500 with a 13 x 37 output: cut into 4 depth chunks (the last one shorter), each
  // computed whole by one thread and added in order.
  const int saved_threads = get_num_threads();
  for (int variant = 0; variant < 4; ++variant) {
    k::GemmArgs g;
    g.trans_a = true;  // the weight-gradient layout: dY^T X
    g.trans_b = variant & 1;
    g.m = 13; g.n = 37; g.k = 16500;
    g.lda = g.m + 2;
    g.ldb = (g.trans_b ? g.k : g.n) + 1;
    g.ldc = g.n + 3;
    g.alpha = (variant & 2) ? 0.5 : 1.0;
    g.beta = (variant & 2) ? 2.0 : 0.0;
    const auto a = random_floats(size_t(g.k * g.lda), 21), b = random_floats(size_t((g.trans_b ? g.n : g.k) * g.ldb), 22);
    // With beta 0, C must not be read: NaN there must not show through.
    auto c0 = (variant & 2) ? random_floats(size_t(g.m * g.ldc), 23) : std::vector<float>(size_t(g.m * g.ldc), NAN);
    auto ref = c0, one_thread = c0, two_threads = c0;
    g.a = a.data(); g.b = b.data();
    k::reference::gemm(g, a.data(), b.data(), ref.data());
    set_num_threads(1);
    g.c = one_thread.data();
    k::cpu_backend().gemm(kFloat32, g);
    set_num_threads(2);
    g.c = two_threads.data();
    k::cpu_backend().gemm(kFloat32, g);
    CAPTURE(variant);
    for (int64_t i = 0; i < g.m; ++i) {
      for (int64_t j = 0; j < g.n; ++j) {
        const size_t at = size_t(i * g.ldc + j);
        REQUIRE(two_threads[at] == doctest::Approx(ref[at]).epsilon(1e-4).scale(std::sqrt(double(g.k))));
        REQUIRE(two_threads[at] == one_thread[at]);  // bit for bit
      }
    }
  }
  set_num_threads(saved_threads);
}

TEST_CASE("the CPU block cache keeps a step's blocks for the next step") {
  // Three 400 MiB blocks freed (1.2 GiB idle, never touched), then a request no idle block fits:
  // the idle blocks stay, since tensors never held more than now, and the next three requests of
  // 400 MiB get the same blocks back.
  k::Backend& cpu = k::cpu_backend();
  const size_t big = size_t(400) << 20, other = size_t(10) << 20;
  std::vector<void*> first, second;
  for (int i = 0; i < 3; ++i) first.push_back(cpu.allocate(big));
  for (void* p : first) cpu.deallocate(p, big);
  void* miss = cpu.allocate(other);
  for (int i = 0; i < 3; ++i) second.push_back(cpu.allocate(big));
  std::sort(first.begin(), first.end());
  std::sort(second.begin(), second.end());
  CHECK(first == second);
  for (void* p : second) cpu.deallocate(p, big);
  cpu.deallocate(miss, other);
}

TEST_CASE("batched gemm with a shared (stride 0) operand") {
  const int64_t batch = 5, m = 4, n = 3, kk = 6;
  const auto a = random_floats(size_t(batch * m * kk), 4), b = random_floats(size_t(kk * n), 5);
  std::vector<float> c(size_t(batch * m * n)), ref(size_t(m * n));
  k::GemmArgs g;
  g.m = m; g.n = n; g.k = kk; g.batch = batch;
  g.a = a.data(); g.lda = kk; g.batch_stride_a = m * kk;
  g.b = b.data(); g.ldb = n; g.batch_stride_b = 0;
  g.c = c.data(); g.ldc = n; g.batch_stride_c = m * n;
  k::cpu_backend().gemm(kFloat32, g);
  for (int64_t i = 0; i < batch; ++i) {
    k::reference::gemm(g, a.data() + i * m * kk, b.data(), ref.data());
    for (int64_t j = 0; j < m * n; ++j) CHECK(c[size_t(i * m * n + j)] == doctest::Approx(ref[size_t(j)]).epsilon(1e-5));
  }
}

TEST_CASE("softmax rows: SIMD == reference, including rows shorter than a vector") {
  for (int64_t cols : {1, 3, 16, 17, 100, 1000}) {
    const int64_t rows = 7;
    const auto x = random_floats(size_t(rows * cols), 6, 10);
    for (bool log : {false, true}) {
      std::vector<float> fast(x.size()), ref(x.size());
      k::cpu_backend().softmax_rows(kFloat32, x.data(), rows, cols, fast.data(), log);
      k::reference::softmax_rows(x.data(), rows, cols, ref.data(), log);
      for (size_t i = 0; i < x.size(); ++i) REQUIRE(fast[i] == doctest::Approx(ref[i]).epsilon(2e-6).scale(1));
    }
  }
}

TEST_CASE("row sums: chunked SIMD == reference in float64; float32 close") {
  for (int64_t cols : {1, 5, 4096, 4097, 100000}) {
    const int64_t rows = 3;
    Generator g(7);
    const auto xd = rand({rows * cols}, {.dtype = kFloat64}, &g).to_vector<double>();
    std::vector<double> fast(static_cast<size_t>(rows)), ref(static_cast<size_t>(rows));
    k::cpu_backend().reduce_rows(k::ReduceOp::Sum, kFloat64, xd.data(), rows, cols, fast.data(), nullptr, 0);
    k::reference::sum_rows(xd.data(), rows, cols, ref.data());
    for (int64_t r = 0; r < rows; ++r) CHECK(fast[size_t(r)] == doctest::Approx(ref[size_t(r)]).epsilon(1e-12));
  }
}

TEST_CASE("the SIMD exp and its scalar twin agree") {
  std::vector<float> x(1000), y(1000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = -90.f + 0.18f * float(i);
  const float total = k::cpu::simd::exp_shifted_sum(x.data(), 0.f, y.data(), int64_t(x.size()));
  double expect_total = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const float scalar = k::cpu::simd::exp_scalar(x[i]);
    if (std::isinf(scalar)) {
      CHECK(std::isinf(y[i]));
    } else {
      CHECK(y[i] == doctest::Approx(scalar).epsilon(2e-7));
    }
    expect_total += std::exp(double(x[i]));
  }
  CHECK(std::isinf(total));  // the row reaches past exp's float range
  CHECK(std::isinf(float(expect_total)));
}

TEST_CASE("SIMD GELU and its gradient against the erf formula in double") {
  std::vector<float> x(4001), y(x.size()), g(x.size(), 1.5f), gx(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = -10.f + 0.005f * float(i);
  k::cpu::simd::gelu(x.data(), y.data(), int64_t(x.size()));
  k::cpu::simd::gelu_grad(x.data(), g.data(), gx.data(), int64_t(x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i], cdf = 0.5 * (1 + std::erf(v / std::sqrt(2.0)));
    const double pdf = std::exp(-0.5 * v * v) / std::sqrt(2 * M_PI);
    CHECK(std::abs(y[i] - v * cdf) <= 3e-7 * std::max(1.0, std::abs(v)));
    CHECK(std::abs(gx[i] - 1.5 * (cdf + v * pdf)) <= 1e-6);
  }
}

TEST_CASE("depthwise 7x7: the AVX-512 kernels equal the plain loops") {
  for (int64_t pad : {3, 0, 2}) {
    k::ConvGeometry g;
    g.batch = 2; g.in_h = 9; g.in_w = 13; g.channels = 32;
    g.kernel_h = g.kernel_w = 7; g.pad_h = g.pad_w = pad;
    g.out_h = g.in_h + 2 * pad - 6; g.out_w = g.in_w + 2 * pad - 6;
    CAPTURE(pad);
    if (!k::cpu::depthwise7_fast_path(kFloat32, g)) {
      MESSAGE("SKIPPED: this build has no AVX-512 depthwise kernel");
      return;
    }
    const auto x = random_floats(size_t(g.batch * g.in_h * g.in_w * g.channels), 21);
    const auto w = random_floats(size_t(49 * g.channels), 22), b = random_floats(size_t(g.channels), 23);
    const size_t out_n = size_t(g.batch * g.out_h * g.out_w * g.channels);
    const auto gy = random_floats(out_n, 24);
    std::vector<float> y_fast(out_n), y_ref(out_n), gx_fast(x.size()), gx_ref(x.size());
    std::vector<float> gw_fast(w.size()), gw_ref(w.size()), gb_fast(b.size()), gb_ref(b.size());
    k::cpu::depthwise7_forward(g, x.data(), w.data(), b.data(), y_fast.data());
    k::cpu::depthwise_plain_forward(kFloat32, g, x.data(), w.data(), b.data(), y_ref.data());
    k::cpu::depthwise7_backward(g, gy.data(), x.data(), w.data(), gx_fast.data(), gw_fast.data(), gb_fast.data());
    k::cpu::depthwise_plain_backward(kFloat32, g, gy.data(), x.data(), w.data(), gx_ref.data(), gw_ref.data(), gb_ref.data());
    for (size_t i = 0; i < out_n; ++i) REQUIRE(y_fast[i] == doctest::Approx(y_ref[i]).epsilon(1e-5).scale(1));
    for (size_t i = 0; i < x.size(); ++i) REQUIRE(gx_fast[i] == doctest::Approx(gx_ref[i]).epsilon(1e-5).scale(1));
    for (size_t i = 0; i < w.size(); ++i) REQUIRE(gw_fast[i] == doctest::Approx(gw_ref[i]).epsilon(1e-5).scale(10));
    for (size_t i = 0; i < b.size(); ++i) REQUIRE(gb_fast[i] == doctest::Approx(gb_ref[i]).epsilon(1e-5).scale(10));
  }
}

namespace {

// The CUDA backend's register-strip depthwise kernels (kernels/depthwise_strips.hpp), one work
// item after the other on the CPU: y, gx and gw (from chunk partial sums, as on the GPU).
template <int K>
void depthwise_by_strips(const k::ConvGeometry& g, const double* x, const double* w, const double* b, const double* gy,
                         double* y, double* gx, double* gw) {
  namespace dw = k::depthwise;
  const dw::StripShape fwd{g.batch, g.in_h, g.in_w, g.out_h, g.out_w, g.channels, g.pad_h, g.pad_w, false};
  for (int64_t item = 0; item < dw::strip_items(fwd); ++item) dw::strip<K>(fwd, x, w, b, y, item);
  const dw::StripShape bwd{g.batch, g.out_h, g.out_w, g.in_h, g.in_w, g.channels, K - 1 - g.pad_h, K - 1 - g.pad_w, true};
  for (int64_t item = 0; item < dw::strip_items(bwd); ++item) dw::strip<K>(bwd, gy, w, static_cast<const double*>(nullptr), gx, item);
  const int64_t rows_per_chunk = 3, chunks = dw::weight_grad_chunks(fwd, rows_per_chunk), cols = K * K * g.channels;
  std::vector<double> partial(size_t(chunks * cols), NAN);
  for (int64_t item = 0; item < chunks * g.channels; ++item)
    dw::weight_grad_chunk<K>(fwd, x, gy, rows_per_chunk, partial.data(), item);
  for (int64_t c = 0; c < cols; ++c) {
    gw[c] = 0;
    for (int64_t chunk = 0; chunk < chunks; ++chunk) gw[c] += partial[size_t(chunk * cols + c)];
  }
}

}  // namespace

TEST_CASE("the CUDA backend's depthwise strip kernels, run on the CPU, equal the plain loops") {
  struct Case {
    int64_t kernel, in_h, in_w, channels, pad;
  };
  // Widths that are and are not multiples of the strip, images smaller than the kernel, padding
  // other than "same", padding beyond the kernel (the input gradient's padding is then negative).
  for (Case c : {Case{7, 9, 13, 5, 3}, Case{7, 6, 16, 3, 1}, Case{7, 3, 2, 2, 3}, Case{3, 5, 9, 4, 1},
                 Case{5, 7, 8, 2, 2}, Case{3, 4, 20, 1, 0}, Case{3, 4, 5, 2, 3}}) {
    k::ConvGeometry g;
    g.batch = 2, g.in_h = c.in_h, g.in_w = c.in_w, g.channels = c.channels;
    g.kernel_h = g.kernel_w = c.kernel, g.pad_h = g.pad_w = c.pad;
    g.out_h = g.in_h + 2 * c.pad - c.kernel + 1, g.out_w = g.in_w + 2 * c.pad - c.kernel + 1;
    CAPTURE(c.kernel);
    CAPTURE(c.in_w);
    CAPTURE(c.pad);
    Generator gen(31);
    auto random = [&](int64_t n) { return randn({n}, {.dtype = kFloat64}, &gen).to_vector<double>(); };
    const auto x = random(g.batch * g.in_h * g.in_w * g.channels), w = random(c.kernel * c.kernel * g.channels);
    const auto b = random(g.channels), gy = random(g.batch * g.out_h * g.out_w * g.channels);
    std::vector<double> y(gy.size(), NAN), gx(x.size(), NAN), gw(w.size(), NAN);
    std::vector<double> y_ref(gy.size()), gx_ref(x.size()), gw_ref(w.size()), gb_ref(b.size());
    if (c.kernel == 7) depthwise_by_strips<7>(g, x.data(), w.data(), b.data(), gy.data(), y.data(), gx.data(), gw.data());
    if (c.kernel == 5) depthwise_by_strips<5>(g, x.data(), w.data(), b.data(), gy.data(), y.data(), gx.data(), gw.data());
    if (c.kernel == 3) depthwise_by_strips<3>(g, x.data(), w.data(), b.data(), gy.data(), y.data(), gx.data(), gw.data());
    k::cpu::depthwise_plain_forward(kFloat64, g, x.data(), w.data(), b.data(), y_ref.data());
    k::cpu::depthwise_plain_backward(kFloat64, g, gy.data(), x.data(), w.data(), gx_ref.data(), gw_ref.data(),
                                     gb_ref.data());
    for (size_t i = 0; i < y.size(); ++i) REQUIRE(y[i] == doctest::Approx(y_ref[i]).epsilon(1e-12).scale(1));
    for (size_t i = 0; i < gx.size(); ++i) REQUIRE(gx[i] == doctest::Approx(gx_ref[i]).epsilon(1e-12).scale(1));
    for (size_t i = 0; i < gw.size(); ++i) REQUIRE(gw[i] == doctest::Approx(gw_ref[i]).epsilon(1e-12).scale(1));
  }
}

TEST_CASE("column sums equal the reference and do not depend on the thread count") {
  const int64_t rows = 3000, cols = 37;
  Generator g(8);
  const auto x = rand({rows * cols}, {.dtype = kFloat64}, &g).to_vector<double>();
  std::vector<double> ref(static_cast<size_t>(cols), 0.0), one(ref.size()), two(ref.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) ref[size_t(c)] += x[size_t(r * cols + c)];
  const int threads = get_num_threads();
  set_num_threads(1);
  k::cpu_backend().sum_columns(kFloat64, x.data(), rows, cols, one.data());
  set_num_threads(2);
  k::cpu_backend().sum_columns(kFloat64, x.data(), rows, cols, two.data());
  set_num_threads(threads);
  CHECK(one == two);
  for (int64_t c = 0; c < cols; ++c) CHECK(one[size_t(c)] == doctest::Approx(ref[size_t(c)]).epsilon(1e-12));
}
