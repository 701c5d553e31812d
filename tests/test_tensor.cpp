// Tensor storage, metadata, views, copies and dtype conversions.
#include "helpers.hpp"

using namespace mt;

TEST_CASE("storage is 64-byte aligned and metadata is consistent") {
  Tensor t = zeros({3, 5, 7});
  CHECK(reinterpret_cast<uintptr_t>(t.raw_data()) % 64 == 0);
  CHECK(t.shape() == Shape{3, 5, 7});
  CHECK(t.strides() == Shape{35, 7, 1});
  CHECK(t.numel() == 105);
  CHECK(t.dim() == 3);
  CHECK(t.size(-1) == 7);
  CHECK(t.is_contiguous());
  CHECK(t.device() == kCPU);
  CHECK(t.dtype() == kFloat32);
  CHECK(zeros({}).numel() == 1);
  CHECK(zeros({0, 4}).numel() == 0);
}

TEST_CASE("views share storage and reach the right elements") {
  Tensor t = arange(0, 24).reshape({2, 3, 4});
  Tensor p = t.permute({2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.strides() == Shape{1, 12, 4});
  CHECK_FALSE(p.is_contiguous());
  CHECK(p.storage() == t.storage());
  CHECK(p.select(0, 1).select(0, 1).select(0, 2).item() == 21);  // t[1][2][1]

  Tensor n = t.narrow(2, 1, 2);
  CHECK(n.shape() == Shape{2, 3, 2});
  CHECK(n.storage_offset() == 1);
  CHECK(n.contiguous().to_vector<double>() ==
        std::vector<double>{1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22});

  Tensor s = t.slice(1, 0, 3, 2);  // rows 0 and 2
  CHECK(s.shape() == Shape{2, 2, 4});
  CHECK(s[1][1][3].item() == 23);

  Tensor e = arange(0, 3).reshape({3, 1}).expand({3, 4});
  CHECK(e.strides() == Shape{1, 0});
  CHECK(e.contiguous().to_vector<double>() == std::vector<double>{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2});
  CHECK(e.unsqueeze(0).shape() == Shape{1, 3, 4});
  CHECK(e.unsqueeze(0).squeeze(0).strides() == Shape{1, 0});
  CHECK(zeros({1, 3, 1}).squeeze().shape() == Shape{3});
  CHECK(t.flatten(1).shape() == Shape{2, 12});
  CHECK(t.transpose(0, 2).shape() == Shape{4, 3, 2});
  CHECK(t.reshape({-1, 6}).shape() == Shape{4, 6});

  // Writing through a view writes the base.
  n.fill_(-1);
  CHECK(t[0][0][1].item() == -1);
  CHECK(t[0][0][0].item() == 0);
}

TEST_CASE("reshape copies only when it must; view refuses non-contiguous input") {
  Tensor t = arange(0, 6).reshape({2, 3});
  CHECK(t.reshape({3, 2}).storage() == t.storage());
  Tensor tt = t.t();
  CHECK(tt.reshape({6}).storage() != t.storage());
  CHECK(tt.reshape({6}).to_vector<double>() == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK_THROWS_WITH_FRAGMENT(tt.view({6}), "not contiguous");
  CHECK_THROWS_WITH_FRAGMENT(t.reshape({4, -1}), "invalid");
  CHECK_THROWS_WITH_FRAGMENT(t.reshape({-1, -1}), "only one dim");
}

TEST_CASE("clone and contiguous") {
  Tensor t = arange(0, 6).reshape({2, 3});
  Tensor c = t.clone();
  CHECK(c.storage() != t.storage());
  c.fill_(7);
  CHECK(t[1][2].item() == 5);
  CHECK(t.contiguous().same(t));
  CHECK(t.t().contiguous().is_contiguous());
}

TEST_CASE("dtype conversions, including float16 and bfloat16 storage") {
  Tensor f = tensor({1.5, -2.25, 65504, 1e-7, 3.14159});
  Tensor h = f.to(kFloat16);
  CHECK(h.dtype() == kFloat16);
  CHECK(h.element_size() == 2);
  auto back = h.to(kFloat32).to_vector<float>();
  CHECK(back[0] == 1.5f);
  CHECK(back[1] == -2.25f);
  CHECK(back[2] == 65504.f);
  CHECK(back[3] == doctest::Approx(1.0132e-7).epsilon(1e-3));  // a float16 subnormal
  CHECK(back[4] == doctest::Approx(3.140625));
  CHECK(std::isinf(tensor({70000}).to(kFloat16).to(kFloat32).item()));

  auto bf = f.to(kBFloat16).to(kFloat32).to_vector<float>();
  CHECK(bf[0] == 1.5f);
  CHECK(bf[4] == doctest::Approx(3.140625));  // 8 mantissa bits, rounded to nearest even
  CHECK(BFloat16(1.00390625f).bits == BFloat16(1.0f).bits);  // a tie rounds to even

  Tensor i = tensor({-1.7, 2.9, 0}).to(kInt64);
  CHECK(i.to_vector<int64_t>() == std::vector<int64_t>{-1, 2, 0});
  CHECK(tensor({0, 2, 0}).to(kBool).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 0});
  CHECK(tensor({255, 3}).to(kUInt8).to(kFloat64).to_vector<double>() == std::vector<double>{255, 3});
}

TEST_CASE("from_vector, from_blob and item") {
  std::vector<int64_t> v{1, 2, 3, 4};
  Tensor t = from_vector(v, {2, 2});
  CHECK(t.dtype() == kInt64);
  CHECK(t[1][0].item<int64_t>() == 3);
  const int64_t big = (int64_t(1) << 53) + 1;  // not a double
  CHECK(from_vector<int64_t>({big}, {1}).item<int64_t>() == big);
  float raw[3] = {1, 2, 3};
  CHECK(from_blob(raw, {3}, kFloat32).to_vector<float>() == std::vector<float>{1, 2, 3});
  CHECK_THROWS_WITH_FRAGMENT(t.item(), "expected exactly one");
  CHECK_THROWS_WITH_FRAGMENT(t.data_ptr<float>(), "dtype int64");
  CHECK_THROWS_WITH_FRAGMENT(from_vector(v, {3}), "do not fill");
}

TEST_CASE("bad dims and indices are errors") {
  Tensor t = zeros({2, 3});
  CHECK_THROWS_WITH_FRAGMENT(t.size(2), "out of range");
  CHECK_THROWS_WITH_FRAGMENT(t.select(1, 3), "out of range");
  CHECK_THROWS_WITH_FRAGMENT(t.select(0, -3), "out of range");
  CHECK(t.select(0, -1).shape() == Shape{3});
  CHECK_THROWS_WITH_FRAGMENT(t.narrow(1, 2, 2), "out of bounds");
  CHECK_THROWS_WITH_FRAGMENT(t.permute({0, 0}), "repeats");
  CHECK_THROWS_WITH_FRAGMENT(t.permute({0}), "permute");
  CHECK_THROWS_WITH_FRAGMENT(t.expand({4, 3}), "cannot expand");
  CHECK_THROWS_WITH_FRAGMENT(zeros({-1}), "negative");
  CHECK_THROWS_WITH_FRAGMENT(Tensor().shape(), "undefined");
  CHECK_THROWS_WITH_FRAGMENT(zeros({1, 1, 1, 1, 1, 1, 1, 1, 1}), "more than 8");
}

TEST_CASE("device names and the cuda device without a GPU") {
  CHECK(Device::parse("cpu") == kCPU);
  CHECK(Device::parse("cuda:1") == Device(DeviceType::CUDA, 1));
  CHECK_THROWS_WITH_FRAGMENT(Device::parse("gpu"), "invalid device name");
  CHECK_THROWS_WITH_FRAGMENT(Device::parse("cuda:x"), "invalid device name");
  if (!cuda::is_available()) CHECK_THROWS_WITH_FRAGMENT(zeros({2}).to(kCUDA), "cuda");
  CHECK_FALSE(zeros({2}).is_pinned());
  if (!cuda::is_available()) {
    CHECK_THROWS_WITH_FRAGMENT(zeros({2}).pin_memory(), "pin_memory: pinned memory needs a CUDA device");
    CHECK_THROWS_WITH_FRAGMENT(empty({2}, {.pin_memory = true}), "pin_memory: pinned memory needs a CUDA device");
    CHECK(zeros({2}).to(kCPU, true).to_vector<float>() == std::vector<float>{0, 0});  // non_blocking is harmless
    CHECK_FALSE(cuda::cudnn_is_available());
    CHECK(cuda::cudnn_status().find("not loaded") == 0);
  }
}

TEST_CASE("depthwise engine names") {
  using cuda::DepthwiseEngine;
  for (DepthwiseEngine e : {DepthwiseEngine::Fastest, DepthwiseEngine::Ours, DepthwiseEngine::Cudnn})
    CHECK(cuda::parse_depthwise_engine(cuda::depthwise_engine_name(e)) == e);
  CHECK(std::string(cuda::depthwise_engine_name(DepthwiseEngine::Cudnn)) == "cudnn");
  CHECK_THROWS_WITH_FRAGMENT(cuda::parse_depthwise_engine("cudnn8"), "expected fastest, ours or cudnn");
  CHECK(cuda::depthwise_engine() == DepthwiseEngine::Fastest);  // the default
  cuda::set_depthwise_engine(DepthwiseEngine::Ours);
  CHECK(cuda::depthwise_engine() == DepthwiseEngine::Ours);
  cuda::set_depthwise_engine(DepthwiseEngine::Fastest);
}
