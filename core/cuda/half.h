// fp32 <-> fp16 conversions for the mixed-precision convolutions (device memory):
//   to_half:   y = half(scale · x)                                  (one thread per element)
//   from_half: y = scale · float(x), or y += scale · float(x) when accumulating
//   to_half_nhwc:   the same as to_half, x in NCHW, y in NHWC        (32 x 32 tiles through shared memory, so that
//   from_half_nhwc: the same as from_half, x in NHWC, y in NCHW      both sides' accesses are coalesced)
// A ChannelShape {n, c, h·w} gives the NCHW tensor; a convolution's weights (k, c/groups, r, s) are the tensor
// {k, c/groups, r·s}, whose "NHWC" is cuDNN's KRSC filter layout.
// (fp16 device memory: DeviceArray<__half>, device_array.h)
#pragma once
#include <cuda_fp16.h>

#include <cstddef>

#include "core/nn/batchnorm.h"

namespace ds::cuda {

void to_half(const float* x, __half* y, size_t n, float scale = 1.f);
void from_half(const __half* x, float* y, size_t n, float scale = 1.f, bool accumulate = false);
void to_half_nhwc(const float* x, __half* y, ChannelShape s, float scale = 1.f);
void from_half_nhwc(const __half* x, float* y, ChannelShape s, float scale = 1.f, bool accumulate = false);

}  // namespace ds::cuda
