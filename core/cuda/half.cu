// fp16 conversion kernels (half.h).
#include "core/cuda/cuda_check.h"
#include "core/cuda/half.h"
#include "core/cuda/launch.h"

namespace ds::cuda {
namespace {

__global__ void to_half_kernel(const float* x, __half* y, size_t n, float scale) {
  const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i < n) y[i] = __float2half_rn(scale * x[i]);
}

__global__ void from_half_kernel(const __half* x, float* y, size_t n, float scale, bool accumulate) {
  const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float v = scale * __half2float(x[i]);
  y[i] = accumulate ? y[i] + v : v;
}

// The transposing conversions: block (kTile, kRows) moves one kTile x kTile tile of one image's (channel,
// position) matrix; each thread handles kTile / kRows of its column. The tile's extra column keeps the
// transposed reads free of shared-memory bank conflicts.
constexpr int kTile = 32, kRows = 8;

__global__ void to_half_nhwc_kernel(const float* x, __half* y, int channels, int spatial, float scale) {
  __shared__ float tile[kTile][kTile + 1];
  const size_t image = size_t(blockIdx.z) * channels * spatial;
  const int c0 = blockIdx.y * kTile, s0 = blockIdx.x * kTile;
  for (int j = threadIdx.y; j < kTile; j += kRows) {  // read along positions (NCHW rows)
    const int c = c0 + j, s = s0 + threadIdx.x;
    if (c < channels && s < spatial) tile[j][threadIdx.x] = x[image + size_t(c) * spatial + s];
  }
  __syncthreads();
  for (int j = threadIdx.y; j < kTile; j += kRows) {  // write along channels (NHWC rows)
    const int s = s0 + j, c = c0 + threadIdx.x;
    if (c < channels && s < spatial) y[image + size_t(s) * channels + c] = __float2half_rn(scale * tile[threadIdx.x][j]);
  }
}

__global__ void from_half_nhwc_kernel(const __half* x, float* y, int channels, int spatial, float scale,
                                      bool accumulate) {
  __shared__ float tile[kTile][kTile + 1];
  const size_t image = size_t(blockIdx.z) * channels * spatial;
  const int c0 = blockIdx.y * kTile, s0 = blockIdx.x * kTile;
  for (int j = threadIdx.y; j < kTile; j += kRows) {  // read along channels (NHWC rows)
    const int s = s0 + j, c = c0 + threadIdx.x;
    if (c < channels && s < spatial) tile[j][threadIdx.x] = __half2float(x[image + size_t(s) * channels + c]);
  }
  __syncthreads();
  for (int j = threadIdx.y; j < kTile; j += kRows) {  // write along positions (NCHW rows)
    const int c = c0 + j, s = s0 + threadIdx.x;
    if (c >= channels || s >= spatial) continue;
    float& out = y[image + size_t(c) * spatial + s];
    const float v = scale * tile[threadIdx.x][j];
    out = accumulate ? out + v : v;
  }
}

dim3 tiles(ChannelShape s) {
  return dim3(unsigned((s.spatial + kTile - 1) / kTile), unsigned((s.channels + kTile - 1) / kTile), unsigned(s.batch));
}

}  // namespace

void to_half(const float* x, __half* y, size_t n, float scale) {
  if (n == 0) return;
  to_half_kernel<<<blocks_for(n), kThreadsPerBlock>>>(x, y, n, scale);
  DS_CUDA_CHECK_LAUNCH();
}

void from_half(const __half* x, float* y, size_t n, float scale, bool accumulate) {
  if (n == 0) return;
  from_half_kernel<<<blocks_for(n), kThreadsPerBlock>>>(x, y, n, scale, accumulate);
  DS_CUDA_CHECK_LAUNCH();
}

void to_half_nhwc(const float* x, __half* y, ChannelShape s, float scale) {
  if (s.size() == 0) return;
  to_half_nhwc_kernel<<<tiles(s), dim3(kTile, kRows)>>>(x, y, s.channels, s.spatial, scale);
  DS_CUDA_CHECK_LAUNCH();
}

void from_half_nhwc(const __half* x, float* y, ChannelShape s, float scale, bool accumulate) {
  if (s.size() == 0) return;
  from_half_nhwc_kernel<<<tiles(s), dim3(kTile, kRows)>>>(x, y, s.channels, s.spatial, scale, accumulate);
  DS_CUDA_CHECK_LAUNCH();
}

}  // namespace ds::cuda
