// [convolutional] on the GPU: cuDNN's convolution (cross-correlation, groups, dilation, darknet's padding),
// then the device batch norm (core/cuda/batchnorm.h), biases and the activation, with the CPU layer's formulas
// (core/layers/convolutional.h). fp32 with FMA math (no TF32), so the CPU reference bounds it to rounding.
//
// cuDNN's algorithms are chosen by its heuristics (cudnnGet*Algorithm_v7): the first that succeeds within the
// workspace limit (Context::workspace_limit), cached per shape for the life of the process.
#include <map>
#include <string>

#include "core/cuda/activations.h"
#include "core/cuda/batchnorm.h"
#include "core/cuda/context.h"
#include "core/cuda/cuda_network.h"
#include "core/cuda/op.h"
#include "core/layers/convolutional.h"

namespace ds::cuda {
namespace {

struct Algorithms {
  cudnnConvolutionFwdAlgo_t forward{};
  cudnnConvolutionBwdDataAlgo_t backward_data{};
  cudnnConvolutionBwdFilterAlgo_t backward_filter{};
  size_t forward_bytes = 0, backward_data_bytes = 0, backward_filter_bytes = 0;
};

template <typename Perf>
const Perf& first_fitting(const Perf* perf, int count, size_t limit, const std::string& what) {
  for (int i = 0; i < count; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].memory <= limit) return perf[i];
  throw std::runtime_error("cuDNN has no " + what + " algorithm for this convolution within a workspace of " +
                           std::to_string(limit >> 20) + " MiB (raise DS_CUDNN_WORKSPACE_MB)");
}

class ConvolutionalOp : public Op {
 public:
  ConvolutionalOp(Network& net, size_t index) : layer_(dynamic_cast<ConvolutionalLayer&>(net.host().layer(index))) {
    const ConvolutionalOptions& o = layer_.options();
    const Shape in = layer_.input_shape(), out = layer_.out_shape;
    const int n = net.host().mini_batch();
    DS_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x_desc_));
    DS_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y_desc_));
    DS_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w_desc_));
    DS_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv_desc_));
    DS_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x_desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, in.c, in.h, in.w));
    DS_CUDNN_CHECK(cudnnSetTensor4dDescriptor(y_desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, out.c, out.h, out.w));
    DS_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w_desc_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, o.filters,
                                              in.c / o.groups, o.size, o.size));
    // darknet pads by padding·dilation (im2col_cpu_ext), and its output size ignores the dilation.
    DS_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv_desc_, o.padding * o.dilation, o.padding * o.dilation,
                                                   o.stride_y, o.stride_x, o.dilation, o.dilation,
                                                   CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    DS_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv_desc_, o.groups));
    DS_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_desc_, CUDNN_FMA_MATH));
    int on = 0, oc = 0, oh = 0, ow = 0;
    DS_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(conv_desc_, x_desc_, w_desc_, &on, &oc, &oh, &ow));
    if (oc != out.c || oh != out.h || ow != out.w)
      throw std::logic_error("layer " + std::to_string(index) + ": cuDNN's output " + std::to_string(oc) + "x" +
                             std::to_string(oh) + "x" + std::to_string(ow) + " differs from darknet's " + out.str());
    key_ = std::to_string(n) + "/" + in.str() + "/" + out.str() + "/k" + std::to_string(o.size) + "s" +
           std::to_string(o.stride_y) + "x" + std::to_string(o.stride_x) + "p" + std::to_string(o.padding) + "d" +
           std::to_string(o.dilation) + "g" + std::to_string(o.groups);
    algorithms_ = choose_algorithms();
  }

  ~ConvolutionalOp() override {
    cudnnDestroyConvolutionDescriptor(conv_desc_);
    cudnnDestroyFilterDescriptor(w_desc_);
    cudnnDestroyTensorDescriptor(y_desc_);
    cudnnDestroyTensorDescriptor(x_desc_);
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
    Context& ctx = context();
    const float one = 1.f, zero = 0.f;
    DS_CUDNN_CHECK(cudnnConvolutionForward(ctx.cudnn(), &one, x_desc_, a.in[0].data, w_desc_, weights_, conv_desc_,
                                           algorithms_.forward, ctx.workspace(algorithms_.forward_bytes),
                                           algorithms_.forward_bytes, &zero, y_desc_, a.out.data));
    const ChannelShape cs = channels(a.out);
    if (o.batch_normalize)
      cuda::batchnorm_forward(a.out.data, cs, a.train, scales_, rolling_mean_, rolling_variance_, a.rolling_momentum, bn_,
                        o.cmbn ? a.subdivision + 1 : 0, a.update_statistics);
    cuda::add_channel_bias(a.out.data, biases_, cs);
    if (keeps_pre_activation()) {
      if (pre_act_.size() != a.out.size()) pre_act_ = DeviceBuffer(a.out.size());
      DS_CUDA_CHECK(cudaMemcpy(pre_act_.data(), a.out.data, a.out.size() * sizeof(float), cudaMemcpyDeviceToDevice));
    }
    cuda::activate(o.activation, a.out.data, a.out.size(), {o.filters, size_t(cs.spatial)});
  }

  void backward(const BackwardArgs& a) override {
    const ConvolutionalOptions& o = layer_.options();
    Context& ctx = context();
    float* delta = a.out_delta.data;
    const ChannelShape cs = channels(a.out);
    cuda::activation_backward(o.activation, keeps_pre_activation() ? pre_act_.data() : a.out.data, a.out.data, delta,
                        a.out_delta.size(), {o.filters, size_t(cs.spatial)});
    cuda::backward_channel_bias(bias_grads_, delta, cs);
    if (o.batch_normalize) cuda::batchnorm_backward(delta, cs, scales_, rolling_variance_, scale_grads_, bn_);
    const float one = 1.f;  // beta = 1: the gradients accumulate, as darknet's *_updates
    DS_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
        ctx.cudnn(), &one, x_desc_, a.in[0].data, y_desc_, delta, conv_desc_, algorithms_.backward_filter,
        ctx.workspace(algorithms_.backward_filter_bytes), algorithms_.backward_filter_bytes, &one, w_desc_,
        weight_grads_));
    if (a.in_delta.empty() || !a.in_delta[0].data) return;
    DS_CUDNN_CHECK(cudnnConvolutionBackwardData(ctx.cudnn(), &one, w_desc_, weights_, y_desc_, delta, conv_desc_,
                                                algorithms_.backward_data,
                                                ctx.workspace(algorithms_.backward_data_bytes),
                                                algorithms_.backward_data_bytes, &one, x_desc_, a.in_delta[0].data));
  }

 private:
  ChannelShape channels(const Tensor& out) const {
    return ChannelShape{out.shape.n, layer_.options().filters, out.shape.h * out.shape.w};
  }
  bool keeps_pre_activation() const {  // as ConvolutionalLayer: these derivatives need the activation's input
    const Activation a = layer_.options().activation;
    return a == Activation::swish || a == Activation::mish || a == Activation::hard_mish;
  }

  Algorithms choose_algorithms() const {
    static std::map<std::string, Algorithms> cache;
    if (auto it = cache.find(key_); it != cache.end()) return it->second;
    Context& ctx = context();
    const size_t limit = ctx.workspace_limit();
    int count = 0;
    Algorithms a;
    cudnnConvolutionFwdAlgoPerf_t fwd[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    DS_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(ctx.cudnn(), x_desc_, w_desc_, conv_desc_, y_desc_,
                                                          CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, fwd));
    const auto& f = first_fitting(fwd, count, limit, "forward");
    a.forward = f.algo, a.forward_bytes = f.memory;
    cudnnConvolutionBwdDataAlgoPerf_t data[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    DS_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(ctx.cudnn(), w_desc_, y_desc_, conv_desc_, x_desc_,
                                                               CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, data));
    const auto& d = first_fitting(data, count, limit, "backward-data");
    a.backward_data = d.algo, a.backward_data_bytes = d.memory;
    cudnnConvolutionBwdFilterAlgoPerf_t filter[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    DS_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(ctx.cudnn(), x_desc_, y_desc_, conv_desc_, w_desc_,
                                                                 CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count,
                                                                 filter));
    const auto& w = first_fitting(filter, count, limit, "backward-filter");
    a.backward_filter = w.algo, a.backward_filter_bytes = w.memory;
    return cache[key_] = a;
  }

  ConvolutionalLayer& layer_;
  cudnnTensorDescriptor_t x_desc_ = nullptr, y_desc_ = nullptr;
  cudnnFilterDescriptor_t w_desc_ = nullptr;
  cudnnConvolutionDescriptor_t conv_desc_ = nullptr;
  std::string key_;
  Algorithms algorithms_;
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
