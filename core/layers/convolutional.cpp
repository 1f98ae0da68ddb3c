// [convolutional] on the CPU (formulas in convolutional.h): darknet's parse_convolutional,
// make_convolutional_layer, forward_convolutional_layer and backward_convolutional_layer.
#include "core/layers/convolutional.h"

#include <algorithm>
#include <cmath>

#include "core/layers/factories.h"
#include "core/nn/blas.h"
#include "core/nn/im2col.h"
#include "core/util/error.h"

namespace ds {
namespace {

// darknet's convolutional_out_height / convolutional_out_width (AlexeyAB: no dilation term).
int darknet_out_size(int in, int padding, int size, int stride) { return (in + 2 * padding - size) / stride + 1; }

// The size im2col_cpu_ext really produces with padding·dilation and a dilated kernel.
int dilated_out_size(int in, int padding, int size, int stride, int dilation) {
  return (in + 2 * padding * dilation - (dilation * (size - 1) + 1)) / stride + 1;
}

[[noreturn]] void unsupported(const CfgSection& s, const std::string& key, const std::string& def) {
  s.fail(key, "not supported by darksweep (only the default " + def + " is accepted)");
}

void reject_int(const CfgSection& s, const std::string& key, int def) {
  if (s.get_int(key, def) != def) unsupported(s, key, std::to_string(def));
}

void reject_float(const CfgSection& s, const std::string& key, float def, const std::string& def_text) {
  if (s.get_float(key, def) != def) unsupported(s, key, def_text);
}

}  // namespace

ConvolutionalOptions parse_convolutional_options(const CfgSection& s) {
  ConvolutionalOptions o;
  o.filters = s.get_int("filters", 1);
  o.groups = s.get_int("groups", 1);
  o.size = s.get_int("size", 1);
  // darknet: stride_x / stride_y (default -1) fall back to stride (default 1) when < 1.
  const int stride_x = s.get_int("stride_x", -1);
  const int stride_y = s.get_int("stride_y", -1);
  const int stride = s.get_int("stride", 1);
  o.stride_x = stride_x < 1 ? stride : stride_x;
  o.stride_y = stride_y < 1 ? stride : stride_y;
  o.dilation = s.get_int("dilation", 1);
  reject_int(s, "antialiasing", 0);
  if (o.size == 1) o.dilation = 1;  // darknet ignores dilation for 1x1 kernels
  const int pad = s.get_int("pad", 0);
  o.padding = s.get_int("padding", 0);
  if (pad) o.padding = o.size / 2;
  o.activation = parse_activation(s, "activation", "logistic");
  reject_float(s, "assisted_excitation", 0, "0");
  reject_int(s, "share_index", -1000000000);

  // darknet's parse_convolutional: cbn != 0 sets batch_normalize = 2 (CmBN).
  int bn = s.get_int("batch_normalize", 0);
  if (bn < 0 || bn > 2) s.fail("batch_normalize", "expected 0, 1 or 2 (CmBN), got " + std::to_string(bn));
  if (s.get_int("cbn", 0) != 0) bn = 2;
  o.batch_normalize = bn != 0;
  o.cmbn = bn == 2;

  for (const char* key : {"binary", "xnor", "bin_output", "sway", "rotate", "stretch", "stretch_sway", "flipped",
                          "grad_centr", "coordconv", "deform", "deformable"})
    reject_int(s, key, 0);
  reject_float(s, "dot", 0, "0");
  reject_float(s, "reverse", 0, "0");
  s.get_float("angle", 15);      // only used by sway/rotate/stretch, which are rejected above
  s.get_int("stream", -1);       // CUDA stream scheduling: no effect on the results
  s.get_int("wait_stream", -1);

  if (o.filters < 1) s.fail("filters", "must be >= 1, got " + std::to_string(o.filters));
  if (o.size < 1) s.fail("size", "must be >= 1, got " + std::to_string(o.size));
  if (o.stride_x < 1 || o.stride_y < 1) s.fail("stride", "must be >= 1, got " + std::to_string(stride));
  if (o.dilation < 1) s.fail("dilation", "must be >= 1, got " + std::to_string(o.dilation));
  if (o.padding < 0) s.fail("padding", "must be >= 0, got " + std::to_string(o.padding));
  if (o.groups < 1) s.fail("groups", "must be >= 1, got " + std::to_string(o.groups));
  return o;
}

ConvolutionalLayer::ConvolutionalLayer(const ConvolutionalOptions& o, Shape input, const CfgSection* s)
    : o_(o), in_(input) {
  in_.n = 1;
  auto fail = [&](const std::string& key, const std::string& msg) {
    if (s) s->fail(key, msg);
    throw InputError("[convolutional] " + key + ": " + msg);
  };
  if (in_.c < 1 || in_.h < 1 || in_.w < 1) fail("filters", "the layer before must output an image, got " + in_.str());
  if (in_.c % o_.groups != 0 || o_.filters % o_.groups != 0)
    fail("groups", "groups=" + std::to_string(o_.groups) + " must divide both the input channels (" +
                       std::to_string(in_.c) + ") and filters (" + std::to_string(o_.filters) + ")");
  const int out_h = darknet_out_size(in_.h, o_.padding, o_.size, o_.stride_y);
  const int out_w = darknet_out_size(in_.w, o_.padding, o_.size, o_.stride_x);
  if (out_h < 1 || out_w < 1)
    fail("size", "a " + std::to_string(o_.size) + "x" + std::to_string(o_.size) + " kernel with padding " +
                     std::to_string(o_.padding) + " does not fit the " + std::to_string(in_.h) + "x" +
                     std::to_string(in_.w) + " input");
  if (o_.dilation > 1 && (dilated_out_size(in_.h, o_.padding, o_.size, o_.stride_y, o_.dilation) != out_h ||
                          dilated_out_size(in_.w, o_.padding, o_.size, o_.stride_x, o_.dilation) != out_w))
    fail("dilation", "with dilation the padding must be size/2 for an odd size (pad=1), as darknet's output size "
                     "ignores the dilation");
  out_shape = Shape{1, o_.filters, out_h, out_w};
}

size_t ConvolutionalLayer::weights_count() const {
  return size_t(o_.filters) * (in_.c / o_.groups) * o_.size * o_.size;
}

bool ConvolutionalLayer::direct_1x1() const {
  return o_.size == 1 && o_.stride_x == 1 && o_.stride_y == 1 && o_.padding == 0;
}

bool ConvolutionalLayer::keeps_pre_activation() const {
  return o_.activation == Activation::swish || o_.activation == Activation::mish ||
         o_.activation == Activation::hard_mish;
}

std::vector<ParamBlock> ConvolutionalLayer::param_blocks() const {
  const size_t n = size_t(o_.filters);
  std::vector<ParamBlock> b{{"biases", n, ParamKind::bias}};
  if (o_.batch_normalize) {
    b.push_back({"scales", n, ParamKind::scale});
    b.push_back({"rolling_mean", n, ParamKind::rolling_mean});
    b.push_back({"rolling_variance", n, ParamKind::rolling_variance});
  }
  b.push_back({"weights", weights_count(), ParamKind::weight});
  return b;
}

void ConvolutionalLayer::bind_params(float* params, float* grads) {
  const size_t n = size_t(o_.filters);
  biases_ = params;
  bias_grads_ = grads;
  size_t off = n;
  if (o_.batch_normalize) {
    scales_ = params + off;
    scale_grads_ = grads + off;
    rolling_mean_ = params + 2 * n;
    rolling_variance_ = params + 3 * n;
    off = 4 * n;
  }
  weights_ = params + off;
  weight_grads_ = grads + off;
}

// darknet's make_convolutional_layer: weights scale·U(-1, 1) with scale = sqrt(2 / (size·size·c/groups)),
// biases 0, scales 1, rolling statistics 0 (calloc).
void ConvolutionalLayer::init_params(Rng& rng) {
  const int fan_in = o_.size * o_.size * in_.c / o_.groups;
  const float scale = float(std::sqrt(2. / fan_in));
  const size_t n = size_t(o_.filters);
  std::fill(biases_, biases_ + n, 0.f);
  if (o_.batch_normalize) {
    std::fill(scales_, scales_ + n, 1.f);
    std::fill(rolling_mean_, rolling_mean_ + n, 0.f);
    std::fill(rolling_variance_, rolling_variance_ + n, 0.f);
  }
  for (size_t i = 0; i < weights_count(); ++i) weights_[i] = scale * rng.uniform(-1.f, 1.f);
}

void ConvolutionalLayer::forward(const ForwardArgs& a) {
  const int batch = a.out.shape.n;
  const int g_in = in_.c / o_.groups, m = o_.filters / o_.groups;
  const int k = g_in * o_.size * o_.size, spatial = out_shape.h * out_shape.w;
  const size_t group_weights = weights_count() / size_t(o_.groups);
  const ConvGeometry geo{g_in, in_.h, in_.w, o_.size, o_.padding * o_.dilation, o_.stride_y, o_.stride_x,
                         o_.dilation, out_shape.h, out_shape.w};
  if (!direct_1x1()) workspace_.resize(size_t(k) * spatial);

  for (int b = 0; b < batch; ++b)
    for (int g = 0; g < o_.groups; ++g) {
      const float* im = a.in[0].data + size_t(b * o_.groups + g) * g_in * in_.h * in_.w;
      const float* col = im;
      if (!direct_1x1()) {
        im2col(im, geo, workspace_.data());
        col = workspace_.data();
      }
      gemm(false, false, m, spatial, k, 1.f, weights_ + g * group_weights, k, col, spatial, 0.f,
           a.out.data + size_t(b * o_.groups + g) * m * spatial, spatial);
    }

  const ChannelShape cs{batch, o_.filters, spatial};
  if (o_.batch_normalize)
    batchnorm_forward(a.out.data, cs, a.train, scales_, rolling_mean_, rolling_variance_, a.rolling_momentum, bn_,
                      o_.cmbn ? a.subdivision + 1 : 0, a.update_statistics);
  add_channel_bias(a.out.data, biases_, cs);
  if (keeps_pre_activation()) pre_act_.assign(a.out.data, a.out.data + a.out.size());
  activate(o_.activation, a.out.data, a.out.size(), {o_.filters, size_t(spatial)});
}

void ConvolutionalLayer::backward(const BackwardArgs& a) {
  const int batch = a.out.shape.n;
  const int g_in = in_.c / o_.groups, m = o_.filters / o_.groups;
  const int k = g_in * o_.size * o_.size, spatial = out_shape.h * out_shape.w;
  const size_t group_weights = weights_count() / size_t(o_.groups);
  const ConvGeometry geo{g_in, in_.h, in_.w, o_.size, o_.padding * o_.dilation, o_.stride_y, o_.stride_x,
                         o_.dilation, out_shape.h, out_shape.w};
  float* delta = a.out_delta.data;
  const size_t n = a.out_delta.size();

  // darknet's gradient_array uses the output, gradient_array_swish/mish/hard_mish the stored input.
  activation_backward(o_.activation, keeps_pre_activation() ? pre_act_.data() : a.out.data, a.out.data, delta, n,
                      {o_.filters, size_t(spatial)});
  const ChannelShape cs{batch, o_.filters, spatial};
  backward_channel_bias(bias_grads_, delta, cs);
  if (o_.batch_normalize) batchnorm_backward(delta, cs, scales_, rolling_variance_, scale_grads_, bn_);

  float* in_delta = a.in_delta.empty() ? nullptr : a.in_delta[0].data;
  if (!direct_1x1()) workspace_.resize(size_t(k) * spatial);
  for (int b = 0; b < batch; ++b)
    for (int g = 0; g < o_.groups; ++g) {
      const size_t in_off = size_t(b * o_.groups + g) * g_in * in_.h * in_.w;
      const float* d = delta + size_t(b * o_.groups + g) * m * spatial;
      const float* w = weights_ + g * group_weights;
      const float* col = a.in[0].data + in_off;
      if (!direct_1x1()) {
        im2col(a.in[0].data + in_off, geo, workspace_.data());
        col = workspace_.data();
      }
      gemm(false, true, m, k, spatial, 1.f, d, spatial, col, spatial, 1.f, weight_grads_ + g * group_weights, k);
      if (!in_delta) continue;
      if (direct_1x1()) {
        gemm(true, false, k, spatial, m, 1.f, w, k, d, spatial, 1.f, in_delta + in_off, spatial);
      } else {
        gemm(true, false, k, spatial, m, 1.f, w, k, d, spatial, 0.f, workspace_.data(), spatial);
        col2im_add(workspace_.data(), geo, in_delta + in_off);
      }
    }
}

double ConvolutionalLayer::forward_flops() const {
  return 2.0 * out_shape.h * out_shape.w * o_.filters * (in_.c / o_.groups) * o_.size * o_.size;
}

std::unique_ptr<Layer> make_convolutional(const CfgSection& s, const BuildContext& ctx) {
  const ConvolutionalOptions o = parse_convolutional_options(s);
  return std::make_unique<ConvolutionalLayer>(o, ctx.shape_of(ctx.index - 1), &s);
}

}  // namespace ds
