// [convolutional]: darknet's convolutional layer on the CPU reference backend (convolutional_layer.c).
//
// Per image b and group g (G groups; the group sees C/G input and N/G output channels):
//   forward:  z[b,g] = W[g] · im2col(x[b,g])                      (W[g]: N/G x C/G·k·k, one gemm)
//             u = batch_normalize ? scale_c · (z - mean_c) / sqrt(var_c + 1e-5) + bias_c : z + bias_c
//             y = act(u)
//             (train: batch mean/variance over (batch, h, w), variance divided by N-1, rolling
//              statistics += 0.01 (stat - rolling); inference: rolling statistics; batch_normalize=2 / cbn=1:
//              CmBN, the statistics of the batch's mini-batches so far, and where it differs from darknet:
//              core/nn/batchnorm.h)
//   backward (delta = -dL/dy, darknet's sign):  delta_u = delta ⊙ act'(u)
//             bias_grad_c += Σ delta_u;  with batch norm: scale_grad_c += Σ delta_u · x_norm, and delta_z by
//               darknet's mean_delta_cpu / variance_delta_cpu / normalize_delta_cpu (batchnorm.h)
//             W_grad[g] += delta_z[b,g] · im2col(x[b,g])ᵀ
//             delta_x[b,g] += col2im(W[g]ᵀ · delta_z[b,g])           (only when the input wants a delta)
// Output size as darknet's convolutional_out_height/width: (h + 2·padding - size) / stride + 1, with the
// image padded by padding·dilation (im2col_cpu_ext); pad=1 means padding = size / 2.
#pragma once
#include <vector>

#include "core/layer.h"
#include "core/nn/activations.h"
#include "core/nn/batchnorm.h"

namespace ds {

struct ConvolutionalOptions {
  int filters = 1;
  int size = 1;
  int stride_x = 1, stride_y = 1;
  int dilation = 1;
  int padding = 0;  // per side, before the dilation factor
  int groups = 1;
  bool batch_normalize = false;
  bool cmbn = false;  // batch_normalize=2 or cbn=1: CmBN (core/nn/batchnorm.h), batch_normalize is then true
  Activation activation = Activation::logistic;
};

// Reads a [convolutional] section exactly as darknet's parse_convolutional (defaults included); options
// darknet knows but darksweep does not implement are InputErrors when set to a non-default value.
ConvolutionalOptions parse_convolutional_options(const CfgSection& s);

class ConvolutionalLayer : public Layer {
 public:
  // `input` is the per-image input shape; throws InputError (via `s`) on inconsistent options when given.
  ConvolutionalLayer(const ConvolutionalOptions& o, Shape input, const CfgSection* s = nullptr);

  std::string_view type() const override { return "convolutional"; }
  const ConvolutionalOptions& options() const { return o_; }
  Shape input_shape() const { return in_; }

  std::vector<ParamBlock> param_blocks() const override;
  void bind_params(float* params, float* grads) override;
  void init_params(Rng& rng) override;
  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;
  double forward_flops() const override;

  // Views of the bound parameters (nullptr for scales/rolling_* without batch_normalize).
  float* biases() { return biases_; }
  float* scales() { return scales_; }
  float* rolling_mean() { return rolling_mean_; }
  float* rolling_variance() { return rolling_variance_; }
  float* weights() { return weights_; }

 private:
  size_t weights_count() const;
  bool direct_1x1() const;  // 1x1, stride 1, no padding: the input already is the column matrix
  bool keeps_pre_activation() const;

  ConvolutionalOptions o_;
  Shape in_;
  float *biases_ = nullptr, *scales_ = nullptr, *rolling_mean_ = nullptr, *rolling_variance_ = nullptr,
        *weights_ = nullptr;
  float *bias_grads_ = nullptr, *scale_grads_ = nullptr, *weight_grads_ = nullptr;
  std::vector<float> workspace_;  // one im2col matrix (C/G·k·k x out_h·out_w)
  std::vector<float> pre_act_;    // activation input u, for swish / mish / hard_mish
  BatchNormState bn_;
};

}  // namespace ds
