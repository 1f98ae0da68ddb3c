// cuda::Network's device data-parallel steps (accelerator.h, core/train/data_parallel.h): the kept momentum and the
// averaged rolling statistics stay on the device, around the all-reduce of the device gradient buffer.
#include <stdexcept>

#include "core/cuda/cuda_network.h"
#include "core/cuda/data_parallel_kernels.h"

namespace ds::cuda {

void Network::data_parallel_begin() {
  if (kept_momentum_.size() != grads_.size()) kept_momentum_ = DeviceBuffer(grads_.size());
  if (grads_.size() == 0) return;
  const size_t bytes = grads_.size() * sizeof(float);
  DS_CUDA_CHECK(cudaMemcpy(kept_momentum_.data(), grads_.data(), bytes, cudaMemcpyDeviceToDevice));
  DS_CUDA_CHECK(cudaMemset(grads_.data(), 0, bytes));
}

void Network::data_parallel_end(float rolling_scale) {
  if (kept_momentum_.size() != grads_.size())
    throw std::logic_error("cuda::Network::data_parallel_end without data_parallel_begin");
  ++parameters_version_;  // the all-reduce and the scaling below changed the rolling statistics
  add_in_place(grads_.data(), kept_momentum_.data(), grads_.size());
  for (const ParamSlot& s : host_.param_slots())
    if (s.block.kind == ParamKind::rolling_mean || s.block.kind == ParamKind::rolling_variance)
      scale_in_place(params_.data() + s.offset, s.block.count, rolling_scale);
}

}  // namespace ds::cuda
