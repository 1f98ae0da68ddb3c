// The process-wide CUDA context (context.h).
#include "core/cuda/context.h"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace ds::cuda {

namespace {

// The value of environment variable `name`: `valid[0]` when unset, else one of `valid` (its index), else an error
// that lists them.
size_t setting(const char* name, const std::vector<std::string>& valid) {
  const char* v = std::getenv(name);
  if (!v) return 0;
  std::string list;
  for (size_t i = 0; i < valid.size(); ++i) {
    if (valid[i] == v) return i;
    list += (i ? ", " : "") + valid[i];
  }
  throw std::runtime_error(std::string(name) + ": unknown value '" + v + "' (valid: " + list + ")");
}

}  // namespace

Context::Context() {
  // The settings first: a bad one throws before any handle exists.
  const char* mb = std::getenv("DS_CUDNN_WORKSPACE_MB");
  workspace_limit_ = size_t(mb ? std::stoul(mb) : 1024) << 20;
  algorithm_search_ = setting("DS_CUDNN_ALGORITHMS", {"find", "heuristics"}) == 0 ? AlgorithmSearch::find
                                                                                 : AlgorithmSearch::heuristics;
  fp16_layout_ = setting("DS_CUDNN_FP16_LAYOUT", {"nhwc", "nchw"}) == 0 ? Fp16Layout::nhwc : Fp16Layout::nchw;
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

ReductionScratch Context::reduction_scratch(size_t partial_bytes, size_t outputs) {
  partials_.reserve(partial_bytes);
  if (outputs > tickets_.capacity()) {
    tickets_.reserve(outputs);
    DS_CUDA_CHECK(cudaMemset(tickets_.data(), 0, outputs * sizeof(unsigned)));
  }
  return {partials_.data(), tickets_.data()};
}

Context& context() {
  // Never destroyed: at process exit the CUDA runtime may already be torn down when static destructors run, and
  // cudnnDestroy or cudaFree then can fail or crash, turning a finished run's exit code into a failure. The
  // driver frees everything with the process (PyTorch leaks its handles for the same reason).
  static Context* c = new Context;
  return *c;
}

}  // namespace ds::cuda
