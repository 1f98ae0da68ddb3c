// select_process_device (process_device.h).
#include "core/cuda/process_device.h"

#include "core/cuda/cuda_check.h"

namespace ds::cuda {

int select_process_device(int local_rank) {
  int count = 0;
  DS_CUDA_CHECK(cudaGetDeviceCount(&count));
  const int device = local_rank > 0 && count > 0 ? local_rank % count : 0;
  DS_CUDA_CHECK(cudaSetDevice(device));
  return device;
}

}  // namespace ds::cuda
