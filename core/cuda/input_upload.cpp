// InputUpload (input_upload.h): pinned staging, a non-blocking copy stream and the events that order it.
#include "core/cuda/input_upload.h"

#include <cstring>

namespace ds::cuda {

InputUpload::InputUpload(size_t floats) : floats_(floats) {
  // Non-blocking: a stream created plainly synchronises with the legacy default stream, the compute stream, and
  // its copies would wait for the very kernels they are meant to run beside.
  DS_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking));
  for (int s = 0; s < 2; ++s) {
    device_[s] = DeviceBuffer(floats);
    if (floats) DS_CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void**>(&pinned_[s]), floats * sizeof(float), cudaHostAllocDefault));
    // Waiting on an event never recorded returns at once: the first uploads wait for nothing.
    DS_CUDA_CHECK(cudaEventCreateWithFlags(&copied_[s], cudaEventDisableTiming));
    DS_CUDA_CHECK(cudaEventCreateWithFlags(&released_[s], cudaEventDisableTiming));
  }
}

InputUpload::~InputUpload() {
  if (copy_stream_) cudaStreamSynchronize(copy_stream_);  // no copy may still read pinned memory we free
  for (int s = 0; s < 2; ++s) {
    if (pinned_[s]) cudaFreeHost(pinned_[s]);
    if (copied_[s]) cudaEventDestroy(copied_[s]);
    if (released_[s]) cudaEventDestroy(released_[s]);
  }
  if (copy_stream_) cudaStreamDestroy(copy_stream_);
}

float* InputUpload::upload(const float* host) {
  if (floats_ == 0) return current();
  const int s = 1 - current_;
  const size_t bytes = floats_ * sizeof(float);
  DS_CUDA_CHECK(cudaEventSynchronize(copied_[s]));  // the last copy out of pinned[s] has read it
  std::memcpy(pinned_[s], host, bytes);
  DS_CUDA_CHECK(cudaStreamWaitEvent(copy_stream_, released_[s], 0));
  DS_CUDA_CHECK(cudaMemcpyAsync(device_[s].data(), pinned_[s], bytes, cudaMemcpyHostToDevice, copy_stream_));
  DS_CUDA_CHECK(cudaEventRecord(copied_[s], copy_stream_));
  DS_CUDA_CHECK(cudaStreamWaitEvent(nullptr, copied_[s], 0));
  DS_CUDA_CHECK(cudaEventRecord(released_[current_], nullptr));
  current_ = s;
  return current();
}

}  // namespace ds::cuda
