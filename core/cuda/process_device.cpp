// The process's GPU: its choice, identity and description (process_device.h).
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

int current_device() {
  int device = 0;
  DS_CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

uint64_t device_identity(int device) {
  cudaDeviceProp prop{};
  DS_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  uint64_t h = 14695981039346656037ull;  // FNV-1a over the 16 bytes of the UUID
  for (const char byte : prop.uuid.bytes) h = (h ^ uint8_t(byte)) * 1099511628211ull;
  return h >> 12;
}

std::string device_description(int device) {
  cudaDeviceProp prop{};
  DS_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + "), cuDNN " +
         std::to_string(cudnnGetVersion());
}

}  // namespace ds::cuda
