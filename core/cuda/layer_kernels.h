// Kernels of the CUDA ops of [maxpool], [avgpool], [route], [shortcut], [upsample], [sam], [dropout],
// [scale_channels], [softmax] and [cost] (core/cuda/*_op.cpp), on plain device pointers so that the .cu files that
// define them (core/cuda/*_kernels.cu, host code C++17) need no layer header. Each reproduces its CPU layer's loop
// (core/layers/<type>.h): the same windows, tie rule and summation order per output, so that results differ from the
// CPU's by float rounding at most.
#pragma once
#include <cstddef>

namespace ds::cuda {

// [maxpool] (core/layers/maxpool.h), per-image shapes and the batch.
struct MaxpoolGeometry {
  int batch = 1;
  int in_c = 1, in_h = 1, in_w = 1;
  int out_c = 1, out_h = 1, out_w = 1;
  int size = 1, stride_x = 1, stride_y = 1, padding = 0;
  bool depth = false;  // maxpool_depth: max over channels g, g + out_c, ... at the same cell
  size_t outputs() const { return size_t(batch) * out_c * out_h * out_w; }
};
// y[o] = the window's max (0 when no cell of the window is inside the map); argmax[o] = its flat input index in the
// batch, the first in scan order among equal values, -1 for no cell. One thread per output element.
void maxpool_forward(const MaxpoolGeometry& g, const float* x, float* y, long long* argmax);
// dx[argmax[o]] += dy[o] for argmax[o] >= 0 (atomicAdd: overlapping windows share input cells).
void maxpool_backward(size_t outputs, const float* dy, const long long* argmax, float* dx);

// [avgpool] (core/layers/avgpool.h): y[p] = (Σ_i x[p·hw + i] in double) / hw for each of `planes` planes.
void avgpool_forward(size_t planes, size_t hw, const float* x, float* y);
// dx[p·hw + i] += dy[p] / hw.
void avgpool_backward(size_t planes, size_t hw, const float* dy, float* dx);

// [route] (layer_util.h's copy_blocks): for each image b < n and i < len,
// dst[b·dst_stride + dst_offset + i] (+)= src[b·src_stride + src_offset + i]; add=false copies.
void copy_blocks(int n, size_t len, const float* src, size_t src_stride, size_t src_offset, float* dst,
                 size_t dst_stride, size_t dst_offset, bool add);

// [shortcut] (core/layers/shortcut.h), one input k at a time. v: input k's effective weights (its layer_step()
// columns; column of flat index i: i / column_span, so column_span = h·w per channel, or >= len for one column).
// dst[b·dst_stride + i] += v[i / column_span] · src[b·src_stride + i] for b < n, i < len.
void shortcut_add(int n, size_t len, const float* v, size_t column_span, const float* src, size_t src_stride,
                  float* dst, size_t dst_stride);
// grads[j] += Σ_{b < n} Σ_{i < len, i / column_span = j} d[b·d_stride + i] · x[b·x_stride + i] for j < columns
// (one block per column).
void shortcut_weight_grads(int n, size_t len, size_t columns, size_t column_span, const float* d, size_t d_stride,
                           const float* x, size_t x_stride, float* grads);

// [upsample] (core/layers/upsample.h): `planes` (batch · channels) planes of small_h x small_w, the large map
// stride times larger. spread: large[l] (+)= scale · small[the cell l comes from], one thread per large cell.
// gather: small[s] (+)= Σ over s's stride x stride block, row-major, of scale · large[l], one thread per small cell.
void upsample_spread(size_t planes, int small_h, int small_w, int stride, float scale, const float* small,
                     float* large, bool add);
void upsample_gather(size_t planes, int small_h, int small_w, int stride, float scale, const float* large,
                     float* small, bool add);

// The element-wise product of [sam] (core/layers/sam.h) and [dropout]'s mask (core/layers/dropout.h), n elements:
// y = x·a; backward dx += d·a and da += d·x (each when not null; x is read only for da).
void product_forward(size_t n, const float* x, const float* a, float* y);
void product_backward(size_t n, const float* d, const float* x, const float* a, float* dx, float* da);

// [scale_channels] (core/layers/scale_channels.h): the output is batch x channels x spatial; the scales are
// batch x channels (one per channel) or, with scale_wh, batch x spatial (one per pixel).
struct ScaleGeometry {
  int batch = 1, channels = 1;
  size_t spatial = 1;
  bool scale_wh = false;
};
// scale_index(i): the scale of output element i, as ScaleChannelsLayer::scale_index.
// y[i] = s[scale_index(i)]·f[i].
void scale_channels_forward(const ScaleGeometry& g, const float* s, const float* f, float* y);
// df[i] += d[i]·s[scale_index(i)]; ds[j] += Σ_{i: scale_index(i) = j} d[i]·f[i] in the CPU's order (each when not
// null).
void scale_channels_backward(const ScaleGeometry& g, const float* d, const float* s, const float* f, float* ds,
                             float* df);

// [softmax] (core/layers/softmax.h): `groups` contiguous groups of group_size values, each
// y = e^(x/T − max/T) / Σ e^(x/T − max/T), the sum in double as on the CPU.
void softmax_forward(size_t groups, size_t group_size, float temperature, const float* x, float* y);

// [cost] (core/layers/cost.h) backward: dx[i] += scale·d[i] for i < n.
void cost_backward(size_t n, float scale, const float* d, float* dx);

}  // namespace ds::cuda
