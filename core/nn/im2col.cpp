// im2col / col2im (darknet's im2col_cpu_ext / col2im_cpu_ext semantics, written from the formula).
// Each column-matrix row (channel, ky, kx) is filled one output row at a time: the output columns whose
// input column falls inside the image form one contiguous range [lo, hi), zeros elsewhere.
#include "core/nn/im2col.h"

#include <algorithm>

namespace ds {
namespace {

// The output columns ox with 0 <= ox * stride - offset < width, as [lo, hi) clamped to [0, out_w).
void inside_range(int offset, int stride, int width, int out_w, int& lo, int& hi) {
  lo = offset > 0 ? (offset + stride - 1) / stride : 0;  // first ox with ox*stride >= offset
  hi = offset + width > 0 ? (offset + width - 1) / stride + 1 : 0;  // first ox with ox*stride >= offset+width
  lo = std::min(lo, out_w);
  hi = std::clamp(hi, lo, out_w);
}

}  // namespace

void im2col(const float* im, const ConvGeometry& g, float* col) {
  for (int c = 0; c < g.channels; ++c)
    for (int ky = 0; ky < g.kernel; ++ky)
      for (int kx = 0; kx < g.kernel; ++kx) {
        const int offset = g.pad - kx * g.dilation;  // ix = ox * stride_w - offset
        int lo, hi;
        inside_range(offset, g.stride_w, g.width, g.out_w, lo, hi);
        for (int oy = 0; oy < g.out_h; ++oy, col += g.out_w) {
          const int iy = oy * g.stride_h - g.pad + ky * g.dilation;
          if (iy < 0 || iy >= g.height) {
            std::fill(col, col + g.out_w, 0.f);
            continue;
          }
          const float* src = im + (size_t(c) * g.height + iy) * g.width - offset;
          std::fill(col, col + lo, 0.f);
          for (int ox = lo; ox < hi; ++ox) col[ox] = src[ox * g.stride_w];
          std::fill(col + hi, col + g.out_w, 0.f);
        }
      }
}

void col2im_add(const float* col, const ConvGeometry& g, float* im) {
  for (int c = 0; c < g.channels; ++c)
    for (int ky = 0; ky < g.kernel; ++ky)
      for (int kx = 0; kx < g.kernel; ++kx) {
        const int offset = g.pad - kx * g.dilation;
        int lo, hi;
        inside_range(offset, g.stride_w, g.width, g.out_w, lo, hi);
        for (int oy = 0; oy < g.out_h; ++oy, col += g.out_w) {
          const int iy = oy * g.stride_h - g.pad + ky * g.dilation;
          if (iy < 0 || iy >= g.height) continue;
          float* dst = im + (size_t(c) * g.height + iy) * g.width - offset;
          for (int ox = lo; ox < hi; ++ox) dst[ox * g.stride_w] += col[ox];
        }
      }
}

}  // namespace ds
