// InputUpload: the network input's trip to the device, overlapping the device's work (issue #7: "device-side data
// upload from pinned memory overlapping compute").
//
// A pass's input arrives while the device still runs the previous pass's backward (its launches return before the
// work is done). upload() copies it into pinned host memory (host time, beside that work), then to the device by an
// asynchronous copy on a copy stream of its own; the compute stream (the default stream, where every op runs) waits
// for that copy only, not the copy for the previous kernels. Two device buffers alternate so that the copy never
// writes the buffer an earlier pass still reads (its backward needs its input for the first layer's weight
// gradient): a buffer is written again only after the compute stream is done with the passes that read it.
//
//   slot s = the buffer the next pass uses (the one the current pass does not)
//   host:    wait until the previous copy out of pinned[s] is done; pinned[s] <- input
//   copy:    wait released[s] (the compute work queued before s stopped being current); device[s] <- pinned[s];
//            record copied[s]
//   compute: wait copied[s]; record released[current] (every pass reading it is queued by now); current <- s
#pragma once
#include <cstddef>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device_buffer.h"

namespace ds::cuda {

class InputUpload {
 public:
  explicit InputUpload(size_t floats);  // the network's input size (mini-batch images)
  ~InputUpload();
  InputUpload(const InputUpload&) = delete;
  InputUpload& operator=(const InputUpload&) = delete;

  // Starts the upload of `floats` floats from host memory (read before this returns) and makes its buffer current:
  // work queued on the compute stream after this call sees the data. Returns current().
  float* upload(const float* host);
  // The device buffer of the last upload.
  float* current() { return device_[current_].data(); }
  size_t size() const { return floats_; }

 private:
  size_t floats_;
  DeviceBuffer device_[2];
  float* pinned_[2] = {nullptr, nullptr};
  cudaStream_t copy_stream_ = nullptr;
  cudaEvent_t copied_[2] = {nullptr, nullptr}, released_[2] = {nullptr, nullptr};
  int current_ = 0;
};

}  // namespace ds::cuda
