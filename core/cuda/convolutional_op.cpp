// [convolutional] on the GPU: cuDNN's convolution (cross-correlation, groups, dilation, darknet's padding),
// then the device batch norm, biases and activation (core/cuda/output_stage.h), with the CPU layer's formulas
// (core/layers/convolutional.h). Precision (cuda_network.h):
//   fp32   every convolution in fp32 with FMA math (no TF32), so the CPU reference bounds it to rounding;
//   tf32   fp32 tensors, tensor-core math (TF32 products, fp32 sums);
//   mixed  forward and data gradient in fp16 on tensor cores (fp32 sums) from fp16 copies of the input, the
//          weights (fp32 master copy) and the output delta, the delta multiplied by [net] loss_scale before its
//          conversion and the data gradient divided by it after (so small deltas do not vanish in fp16);
//          the weight gradient (a sum over the whole mini-batch, which overflows fp16) in tf32. The fp16 weights
//          are converted once per change of the parameters (an SGD step), not once per mini-batch.
//          The fp16 tensors are NHWC (weights KRSC), the layout tensor-core kernels read natively: the
//          conversions transpose as they convert (half.h), at no extra pass (DS_CUDNN_FP16_LAYOUT=nchw keeps NCHW).
//   Batch norm, biases, activations, outputs and deltas stay fp32 (NCHW) in every mode.
//
// cuDNN's algorithms are chosen per shape and precision, once for the life of the process: by timing them
// (cudnnFind*Algorithm, the default: a few seconds per new shape, the fastest algorithms after it) or by cuDNN's
// heuristics (cudnnGet*Algorithm_v7; DS_CUDNN_ALGORITHMS=heuristics, Context::algorithm_search). Either way the
// first listed that succeeds within the workspace limit (Context::workspace_limit) and whose math type the
// precision allows: fp32 only FMA math (no tensor cores), the others any but ALLOW_CONVERSION (fp32 data
// converted to fp16). cuDNN may list an algorithm with another math type than the descriptor's, and runs it as
// listed only when the descriptor says so: each call sets its algorithm's math type first.
#include <map>
#include <string>

#include "core/cuda/activations.h"
#include "core/cuda/context.h"
#include "core/cuda/cuda_network.h"
#include "core/cuda/device_array.h"
#include "core/cuda/half.h"
#include "core/cuda/op.h"
#include "core/cuda/output_stage.h"
#include "core/layers/convolutional.h"

namespace ds::cuda {
namespace {

// One direction's choice: the algorithm, its workspace and the math type to run it with.
template <typename Algo>
struct Choice {
  Algo algo{};
  size_t bytes = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};
struct Algorithms {
  Choice<cudnnConvolutionFwdAlgo_t> forward;
  Choice<cudnnConvolutionBwdDataAlgo_t> backward_data;
  Choice<cudnnConvolutionBwdFilterAlgo_t> backward_filter;
};

bool math_allowed(cudnnMathType_t listed, cudnnMathType_t descriptor) {
  if (descriptor == CUDNN_FMA_MATH) return listed == CUDNN_FMA_MATH;
  return listed != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

template <typename Algo, typename Perf>
Choice<Algo> first_usable(const Perf* perf, int count, size_t limit, cudnnMathType_t math, const std::string& what) {
  for (int i = 0; i < count; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].memory <= limit && math_allowed(perf[i].mathType, math))
      return {perf[i].algo, perf[i].memory, perf[i].mathType};
  throw std::runtime_error("cuDNN has no " + what + " algorithm for this convolution within a workspace of " +
                           std::to_string(limit >> 20) + " MiB at this precision (raise DS_CUDNN_WORKSPACE_MB)");
}

// The cuDNN description of one convolution of the layer at one data type and math mode, with its algorithms.
class Convolution {
 public:
  Convolution(const ConvolutionalLayer& layer, int batch, cudnnDataType_t type, cudnnMathType_t math,
              cudnnTensorFormat_t format = CUDNN_TENSOR_NCHW)
      : math_(math) {
    const ConvolutionalOptions& o = layer.options();
    const Shape in = layer.input_shape(), out = layer.out_shape;
    DS_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x));
    DS_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y));
    DS_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w));
    DS_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
    DS_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x, format, type, batch, in.c, in.h, in.w));
    DS_CUDNN_CHECK(cudnnSetTensor4dDescriptor(y, format, type, batch, out.c, out.h, out.w));
    DS_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w, type, format, o.filters, in.c / o.groups, o.size, o.size));
    // darknet pads by padding·dilation (im2col_cpu_ext), and its output size ignores the dilation. Sums in fp32.
    DS_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv, o.padding * o.dilation, o.padding * o.dilation, o.stride_y,
                                                   o.stride_x, o.dilation, o.dilation, CUDNN_CROSS_CORRELATION,
                                                   CUDNN_DATA_FLOAT));
    DS_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv, o.groups));
    DS_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, math));
    int on = 0, oc = 0, oh = 0, ow = 0;
    DS_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(conv, x, w, &on, &oc, &oh, &ow));
    if (oc != out.c || oh != out.h || ow != out.w)
      throw std::logic_error("cuDNN's convolution output " + std::to_string(oc) + "x" + std::to_string(oh) + "x" +
                             std::to_string(ow) + " differs from darknet's " + out.str());
    algorithms = choose(std::to_string(batch) + "/" + in.str() + "/" + out.str() + "/k" + std::to_string(o.size) +
                        "s" + std::to_string(o.stride_y) + "x" + std::to_string(o.stride_x) + "p" +
                        std::to_string(o.padding) + "d" + std::to_string(o.dilation) + "g" +
                        std::to_string(o.groups) + "t" + std::to_string(int(type)) + "m" + std::to_string(int(math)) + "f" +
                        std::to_string(int(format)));
  }
  ~Convolution() {
    cudnnDestroyConvolutionDescriptor(conv);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyTensorDescriptor(y);
    cudnnDestroyTensorDescriptor(x);
  }
  Convolution(const Convolution&) = delete;
  Convolution& operator=(const Convolution&) = delete;

  // y = conv(x, w);  dw += conv_filter_grad(x, dy);  dx (+)= conv_data_grad(w, dy)  (beta: 0 sets, 1 adds)
  void forward(const void* xp, const void* wp, void* yp) const {
    Context& ctx = context();
    const float one = 1.f, zero = 0.f;
    const auto& c = algorithms.forward;
    DS_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, c.math));
    DS_CUDNN_CHECK(cudnnConvolutionForward(ctx.cudnn(), &one, x, xp, w, wp, conv, c.algo, ctx.workspace(c.bytes),
                                           c.bytes, &zero, y, yp));
  }
  void backward_filter(const void* xp, const void* dyp, void* dwp, float beta) const {
    Context& ctx = context();
    const float one = 1.f;
    const auto& c = algorithms.backward_filter;
    DS_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, c.math));
    DS_CUDNN_CHECK(cudnnConvolutionBackwardFilter(ctx.cudnn(), &one, x, xp, y, dyp, conv, c.algo,
                                                  ctx.workspace(c.bytes), c.bytes, &beta, w, dwp));
  }
  void backward_data(const void* wp, const void* dyp, void* dxp, float beta) const {
    Context& ctx = context();
    const float one = 1.f;
    const auto& c = algorithms.backward_data;
    DS_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, c.math));
    DS_CUDNN_CHECK(cudnnConvolutionBackwardData(ctx.cudnn(), &one, w, wp, y, dyp, conv, c.algo,
                                                ctx.workspace(c.bytes), c.bytes, &beta, x, dxp));
  }

 private:
  Algorithms choose(const std::string& key) const {
    static std::map<std::string, Algorithms> cache;
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    Context& ctx = context();
    const size_t limit = ctx.workspace_limit();
    const bool find = ctx.algorithm_search() == AlgorithmSearch::find;
    int count = 0;
    Algorithms a;
    cudnnConvolutionFwdAlgoPerf_t fwd[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    const int nf = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
    DS_CUDNN_CHECK(find ? cudnnFindConvolutionForwardAlgorithm(ctx.cudnn(), x, w, conv, y, nf, &count, fwd)
                        : cudnnGetConvolutionForwardAlgorithm_v7(ctx.cudnn(), x, w, conv, y, nf, &count, fwd));
    a.forward = first_usable<cudnnConvolutionFwdAlgo_t>(fwd, count, limit, math_, "forward");
    cudnnConvolutionBwdDataAlgoPerf_t data[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    const int nd = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
    DS_CUDNN_CHECK(find ? cudnnFindConvolutionBackwardDataAlgorithm(ctx.cudnn(), w, y, conv, x, nd, &count, data)
                        : cudnnGetConvolutionBackwardDataAlgorithm_v7(ctx.cudnn(), w, y, conv, x, nd, &count, data));
    a.backward_data = first_usable<cudnnConvolutionBwdDataAlgo_t>(data, count, limit, math_, "backward-data");
    cudnnConvolutionBwdFilterAlgoPerf_t filter[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    const int ng = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
    DS_CUDNN_CHECK(find ? cudnnFindConvolutionBackwardFilterAlgorithm(ctx.cudnn(), x, y, conv, w, ng, &count, filter)
                        : cudnnGetConvolutionBackwardFilterAlgorithm_v7(ctx.cudnn(), x, y, conv, w, ng, &count, filter));
    a.backward_filter = first_usable<cudnnConvolutionBwdFilterAlgo_t>(filter, count, limit, math_, "backward-filter");
    return cache[key] = a;
  }

  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnMathType_t math_;  // the precision's: which math types its algorithms may use
  Algorithms algorithms;
};

class ConvolutionalOp : public Op {
 public:
  ConvolutionalOp(Network& net, size_t index)
      : net_(net),
        layer_(dynamic_cast<ConvolutionalLayer&>(net.host().layer(index))),
        precision_(net.precision()),
        loss_scale_(net.host().options().loss_scale),
        fp32_(layer_, net.host().mini_batch(), CUDNN_DATA_FLOAT,
              precision_ == Precision::fp32 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH) {
    if (precision_ == Precision::mixed) {
      nhwc_ = context().fp16_layout() == Fp16Layout::nhwc;
      fp16_ = std::make_unique<Convolution>(layer_, net.host().mini_batch(), CUDNN_DATA_HALF, CUDNN_TENSOR_OP_MATH,
                                            nhwc_ ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW);
    }
  }

  void bind_params(float* params, float* grads) override {  // ConvolutionalLayer::bind_params's layout
    const size_t n = size_t(layer_.options().filters);
    biases_ = params, bias_grads_ = grads;
    size_t off = n;
    if (layer_.options().batch_normalize) {
      scales_ = params + n, scale_grads_ = grads + n;
      rolling_mean_ = params + 2 * n, rolling_variance_ = params + 3 * n;
      off = 4 * n;
    }
    weights_ = params + off, weight_grads_ = grads + off;
  }

  void forward(const ForwardArgs& a) override {
    const ConvolutionalOptions& o = layer_.options();
    if (fp16_) {
      const ChannelShape in = channels(a.in[0]), out = channels(a.out);
      half_of(a.in[0].data, x16_.reserve(in.size()), in, 1.f);
      if (w16_version_ != net_.parameters_version() || !w16_.data()) {
        const ChannelShape w = weight_shape();
        half_of(weights_, w16_.reserve(w.size()), w, 1.f);
        w16_version_ = net_.parameters_version();
      }
      fp16_->forward(x16_.data(), w16_.data(), y16_.reserve(out.size()));
      float_of(y16_.data(), a.out.data, out, 1.f, false);
    } else {
      fp32_.forward(a.in[0].data, weights_, a.out.data);
    }
    if (keeps_pre_activation() && pre_act_.size() != a.out.size()) pre_act_ = DeviceBuffer(a.out.size());
    BatchNorm bn = batch_norm();
    bn.train = a.train, bn.rolling_momentum = a.rolling_momentum, bn.update_statistics = a.update_statistics;
    bn.cmbn_index = o.cmbn ? a.subdivision + 1 : 0;
    cuda::output_stage_forward(o.activation, a.out.data, channels(a.out), biases_,
                               keeps_pre_activation() ? pre_act_.data() : nullptr, o.batch_normalize ? &bn : nullptr);
  }

  void backward(const BackwardArgs& a) override {
    const ConvolutionalOptions& o = layer_.options();
    float* delta = a.out_delta.data;
    const ChannelShape cs = channels(a.out);
    const BatchNorm bn = batch_norm();
    cuda::output_stage_backward(o.activation, keeps_pre_activation() ? pre_act_.data() : a.out.data, a.out.data, delta,
                                cs, bias_grads_, o.batch_normalize ? &bn : nullptr);
    // The gradients accumulate (beta = 1), as darknet's *_updates.
    fp32_.backward_filter(a.in[0].data, delta, weight_grads_, 1.f);
    if (a.in_delta.empty() || !a.in_delta[0].data) return;
    if (!fp16_) return fp32_.backward_data(weights_, delta, a.in_delta[0].data, 1.f);
    const ChannelShape dy = channels(a.out_delta), dx = channels(a.in_delta[0]);
    half_of(delta, dy16_.reserve(dy.size()), dy, loss_scale_);
    fp16_->backward_data(w16_.data(), dy16_.data(), dx16_.reserve(dx.size()), 0.f);
    float_of(dx16_.data(), a.in_delta[0].data, dx, 1.f / loss_scale_, /*accumulate=*/true);
  }

 private:
  // The weights (filters, c / groups, size, size) as a tensor {filters, c / groups, size²} (half.h).
  ChannelShape weight_shape() const {
    const ConvolutionalOptions& o = layer_.options();
    return ChannelShape{o.filters, layer_.input_shape().c / o.groups, o.size * o.size};
  }
  static ChannelShape channels(const Tensor& t) { return ChannelShape{t.shape.n, t.shape.c, t.shape.h * t.shape.w}; }
  // fp32 (NCHW) <-> the fp16 convolution's layout.
  void half_of(const float* x, __half* y, ChannelShape s, float scale) const {
    if (nhwc_) return to_half_nhwc(x, y, s, scale);
    to_half(x, y, s.size(), scale);
  }
  void float_of(const __half* x, float* y, ChannelShape s, float scale, bool accumulate) const {
    if (nhwc_) return from_half_nhwc(x, y, s, scale, accumulate);
    from_half(x, y, s.size(), scale, accumulate);
  }
  // The batch norm's parameters and state; the forward sets the pass's mode.
  BatchNorm batch_norm() { return BatchNorm{scales_, rolling_mean_, rolling_variance_, scale_grads_, bn_}; }
  bool keeps_pre_activation() const {  // as ConvolutionalLayer: these derivatives need the activation's input
    const Activation a = layer_.options().activation;
    return a == Activation::swish || a == Activation::mish || a == Activation::hard_mish;
  }

  const Network& net_;
  ConvolutionalLayer& layer_;
  Precision precision_;
  float loss_scale_;
  Convolution fp32_;
  std::unique_ptr<Convolution> fp16_;  // mixed precision only
  bool nhwc_ = false;                  // its tensors' layout
  DeviceArray<__half> x16_, w16_, y16_, dy16_, dx16_;
  uint64_t w16_version_ = 0;  // the parameters_version() w16_ was converted at (valid once w16_ holds data)
  float *biases_ = nullptr, *scales_ = nullptr, *rolling_mean_ = nullptr, *rolling_variance_ = nullptr,
        *weights_ = nullptr;
  float *bias_grads_ = nullptr, *scale_grads_ = nullptr, *weight_grads_ = nullptr;
  BatchNormDeviceState bn_;
  DeviceBuffer pre_act_;
};

}  // namespace

std::unique_ptr<Op> make_convolutional_op(Network& net, size_t layer) {
  return std::make_unique<ConvolutionalOp>(net, layer);
}

}  // namespace ds::cuda
