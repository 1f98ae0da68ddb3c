// The process-wide CUDA context (context.h).
#include "core/cuda/context.h"

#include <cstdlib>
#include <string>

namespace ds::cuda {

Context::Context() {
  DS_CUBLAS_CHECK(cublasCreate(&cublas_));
  DS_CUDNN_CHECK(cudnnCreate(&cudnn_));
  const char* mb = std::getenv("DS_CUDNN_WORKSPACE_MB");
  workspace_limit_ = size_t(mb ? std::stoul(mb) : 1024) << 20;
}

Context::~Context() {
  if (cudnn_) cudnnDestroy(cudnn_);
  if (cublas_) cublasDestroy(cublas_);
}

void* Context::workspace(size_t bytes) {
  const size_t floats = (bytes + sizeof(float) - 1) / sizeof(float);
  if (floats > workspace_.size()) workspace_ = DeviceBuffer(floats);
  return workspace_.data();
}

Context& context() {
  static Context c;
  return c;
}

}  // namespace ds::cuda
