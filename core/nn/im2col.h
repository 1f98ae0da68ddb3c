// im2col / col2im on the CPU: unrolls convolution windows into a matrix so that a convolution is one gemm.
#pragma once

namespace ds {

// Geometry of one (group of a) convolution on one image. `pad` is the padding actually applied
// (darknet passes pad * dilation); out_h, out_w are the output size the caller uses.
struct ConvGeometry {
  int channels = 1, height = 1, width = 1;
  int kernel = 1;
  int pad = 0;
  int stride_h = 1, stride_w = 1;
  int dilation = 1;
  int out_h = 1, out_w = 1;
};

// col[(c * kernel + ky) * kernel + kx][oy * out_w + ox] = im[c][oy * stride_h - pad + ky * dilation]
// [ox * stride_w - pad + kx * dilation], 0 outside the image (darknet's im2col_cpu_ext).
void im2col(const float* im, const ConvGeometry& g, float* col);

// The adjoint of im2col: adds every column entry back onto the image position it came from
// (darknet's col2im_cpu_ext; accumulates into im).
void col2im_add(const float* col, const ConvGeometry& g, float* im);

}  // namespace ds
