// Emulated devices (cuda_runtime.h): EMU_DEVICES of them (default 2, so that the data-parallel test runs two
// processes on two devices), and the process's current one (cudaSetDevice). They differ in name only: each process's
// device memory is its own arena whichever device is current, as separate GPUs share nothing. A process that
// sets no device uses device 0, as with the real runtime.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cuda_runtime.h"

namespace {

int current = 0;

int device_count() {
  const char* n = std::getenv("EMU_DEVICES");
  return n && *n ? std::atoi(n) : 2;
}

}  // namespace

cudaError_t cudaGetDeviceCount(int* count) {
  *count = device_count();
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  if (device < 0 || device >= device_count()) return cudaErrorInvalidDevice;
  current = device;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  *device = current;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device < 0 || device >= device_count()) return cudaErrorInvalidDevice;
  std::snprintf(prop->name, sizeof prop->name, "emulated device %d", device);
  std::memset(prop->uuid.bytes, device + 1, sizeof prop->uuid.bytes);
  prop->major = 9;  // as an H100/H200
  prop->minor = 0;
  return cudaSuccess;
}
