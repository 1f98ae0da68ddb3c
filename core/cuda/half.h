// fp32 <-> fp16 conversions for the mixed-precision convolutions (device memory, one thread per element):
//   to_half:   y = half(scale · x)
//   from_half: y = scale · float(x), or y += scale · float(x) when accumulating
// (fp16 device memory: DeviceArray<__half>, device_array.h)
#pragma once
#include <cuda_fp16.h>

#include <cstddef>

namespace ds::cuda {

void to_half(const float* x, __half* y, size_t n, float scale = 1.f);
void from_half(const __half* x, float* y, size_t n, float scale = 1.f, bool accumulate = false);

}  // namespace ds::cuda
