// The fp16 conversions of mixed precision (core/cuda/half.h) against host loops: values rounded to nearest even
// (bit-exact: the host's __float2half_rn rounds as the device's), scaled, and for the NHWC variants transposed,
// on shapes that leave partial 32 x 32 tiles (odd channels and positions, one channel, one position, several
// images) and with accumulation. Skips without a GPU.
#include <gtest/gtest.h>

#include <vector>

#include "core/cuda/device_array.h"
#include "core/cuda/device_buffer.h"
#include "core/cuda/half.h"
#include "core/util/rng.h"

using namespace ds;

namespace {

const ChannelShape kShapes[] = {{3, 37, 45}, {1, 1, 70}, {2, 33, 1}, {1, 64, 64}, {5, 3, 31}};

size_t nchw(ChannelShape s, int n, int c, int p) { return (size_t(n) * s.channels + c) * s.spatial + p; }
size_t nhwc(ChannelShape s, int n, int c, int p) { return (size_t(n) * s.spatial + p) * s.channels + c; }

std::vector<float> values(size_t n, Rng& rng) {
  std::vector<float> v(n);
  for (float& e : v) e = rng.uniform(-70000.f, 70000.f) * (rng.uniform(0.f, 1.f) < 0.5f ? 1e-4f : 1.f);
  return v;
}

float rounded(float v) { return __half2float(__float2half_rn(v)); }

}  // namespace

TEST(GpuHalf, ToHalfNhwcTransposesAndRounds) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  Rng rng(5);
  for (const ChannelShape s : kShapes) {
    const std::vector<float> x = values(s.size(), rng);
    cuda::DeviceBuffer dx(s.size());
    dx.upload(x.data(), x.size());
    cuda::DeviceArray<__half> y;
    cuda::to_half_nhwc(dx.data(), y.reserve(s.size()), s, 0.5f);
    const std::vector<__half> h = y.download(s.size());
    for (int n = 0; n < s.batch; ++n)
      for (int c = 0; c < s.channels; ++c)
        for (int p = 0; p < s.spatial; ++p)
          ASSERT_EQ(__half2float(h[nhwc(s, n, c, p)]), rounded(0.5f * x[nchw(s, n, c, p)]))
              << s.batch << "x" << s.channels << "x" << s.spatial << " at " << n << "," << c << "," << p;
  }
}

TEST(GpuHalf, FromHalfNhwcTransposesScalesAndAccumulates) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  Rng rng(6);
  for (const ChannelShape s : kShapes) {
    std::vector<__half> h(s.size());
    for (__half& e : h) e = __float2half_rn(rng.uniform(-100.f, 100.f));
    const std::vector<float> base = values(s.size(), rng);
    cuda::DeviceArray<__half> dh;
    dh.reserve(h.size());
    dh.upload(h);
    for (bool accumulate : {false, true}) {
      cuda::DeviceBuffer y(s.size());
      y.upload(base.data(), base.size());
      cuda::from_half_nhwc(dh.data(), y.data(), s, 0.25f, accumulate);
      const std::vector<float> out = y.download();
      for (int n = 0; n < s.batch; ++n)
        for (int c = 0; c < s.channels; ++c)
          for (int p = 0; p < s.spatial; ++p) {
            const float v = 0.25f * __half2float(h[nhwc(s, n, c, p)]);
            ASSERT_EQ(out[nchw(s, n, c, p)], accumulate ? base[nchw(s, n, c, p)] + v : v)
                << s.batch << "x" << s.channels << "x" << s.spatial << " accumulate " << accumulate;
          }
    }
  }
}

TEST(GpuHalf, ToHalfAndFromHalfRoundAndScale) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  Rng rng(7);
  const std::vector<float> x = values(1000, rng);
  cuda::DeviceBuffer dx(x.size());
  dx.upload(x.data(), x.size());
  cuda::DeviceArray<__half> h;
  cuda::to_half(dx.data(), h.reserve(x.size()), x.size(), 2.f);
  const std::vector<__half> hv = h.download(x.size());
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(__half2float(hv[i]), rounded(2.f * x[i])) << i;
  cuda::from_half(h.data(), dx.data(), x.size(), 0.5f);
  const std::vector<float> back = dx.download();
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(back[i], 0.5f * __half2float(hv[i])) << i;
}
