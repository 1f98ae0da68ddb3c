// The process-wide CUDA context (context.h).
#include "core/cuda/context.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace ds::cuda {

Context::Context() {
  // The settings first: a bad one throws before any handle exists.
  const char* mb = std::getenv("DS_CUDNN_WORKSPACE_MB");
  workspace_limit_ = size_t(mb ? std::stoul(mb) : 1024) << 20;
  const std::string search = std::getenv("DS_CUDNN_ALGORITHMS") ? std::getenv("DS_CUDNN_ALGORITHMS") : "find";
  if (search == "heuristics")
    algorithm_search_ = AlgorithmSearch::heuristics;
  else if (search != "find")
    throw std::runtime_error("DS_CUDNN_ALGORITHMS: unknown value '" + search + "' (valid: find, heuristics)");
  DS_CUBLAS_CHECK(cublasCreate(&cublas_));
  DS_CUDNN_CHECK(cudnnCreate(&cudnn_));
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
