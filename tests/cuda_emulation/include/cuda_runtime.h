// Emulated CUDA runtime (host code, one process, one "device"): device memory is host memory from a tracked
// arena, kernels run on the calling thread (each block's threads as fibers switched at __syncthreads, or plain
// loops for kernels that never synchronise), launches are written ::emu::Launch(grid, block).go(kernel, args...)
// by tests/cuda_emulation/rewrite.pl from the <<<grid, block>>> syntax.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <math.h>

#define __device__
#define __global__
#define __host__
#define __forceinline__ inline
#define __shared__ static  // one copy for the block (blocks run one after another)

typedef int cudaError_t;
enum : int {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevicePointer = 17,
  cudaErrorInvalidMemcpyDirection = 21,
  cudaErrorInvalidDevice = 101,
  cudaErrorLaunchFailure = 719,
};
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4
};
typedef struct CUstream_st* cudaStream_t;
typedef struct CUevent_st* cudaEvent_t;
enum : unsigned {
  cudaStreamDefault = 0,
  cudaStreamNonBlocking = 1,
  cudaEventDefault = 0,
  cudaEventDisableTiming = 2,
  cudaHostAllocDefault = 0,
};

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
};
struct uint3 {
  unsigned x, y, z;
};

extern thread_local uint3 threadIdx, blockIdx;
extern thread_local dim3 blockDim, gridDim;
constexpr int warpSize = 32;

cudaError_t cudaMallocBytes(void** p, size_t bytes);
template <typename T>
inline cudaError_t cudaMalloc(T** p, size_t bytes) {
  void* v = nullptr;
  cudaError_t e = cudaMallocBytes(&v, bytes);
  *p = static_cast<T*>(v);
  return e;
}
cudaError_t cudaFree(void* p);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemset(void* dst, int value, size_t bytes);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
const char* cudaGetErrorString(cudaError_t e);
// devices.cpp: EMU_DEVICES devices (default 2), one current device per process. Their properties: a name and
// a UUID (device d: every byte d + 1), the only fields the code reads.
struct cudaUUID_t {
  char bytes[16];
};
struct cudaDeviceProp {
  char name[256];
  cudaUUID_t uuid;
  int major, minor;  // compute capability
};
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
cudaError_t cudaMemGetInfo(size_t* free, size_t* total);

// Streams and events. The default stream (nullptr) runs everything at once, as before. A copy on a created
// stream is deferred until something needs it done: a cudaStreamWaitEvent or cudaEventSynchronize on an event
// recorded after it, cudaStreamSynchronize, cudaDeviceSynchronize. So a kernel that reads the copy's destination
// without waiting for it reads what was there before, and a host write to the copy's pinned source before its
// completion changes what the copy delivers: both make tests fail as they might on a GPU. Only non-blocking
// streams (a blocking one would synchronise with the default stream's kernels, which run on the host at once).
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned flags);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned flags);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream);
// Pinned host memory: plain host memory here (outside the device arena).
cudaError_t cudaHostAlloc(void** p, size_t bytes, unsigned flags);
cudaError_t cudaFreeHost(void* p);

// Device-side functions.
void __syncthreads();
inline float atomicAdd(float* p, float v) {  // threads never run concurrently: a plain read-modify-write
  const float old = *p;
  *p = old + v;
  return old;
}
inline double atomicAdd(double* p, double v) {
  const double old = *p;
  *p = old + v;
  return old;
}
inline int atomicAdd(int* p, int v) {
  const int old = *p;
  *p = old + v;
  return old;
}
inline unsigned atomicAdd(unsigned* p, unsigned v) {
  const unsigned old = *p;
  *p = old + v;
  return old;
}
inline void __threadfence() {}  // blocks run one after another: every write is seen by the next
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.f / sqrtf(x); }

namespace emu {

// Device memory bookkeeping (runtime.cpp): is [p, p + bytes) inside one live allocation?
bool is_device(const void* p, size_t bytes = 1);
void set_error(cudaError_t e);
[[noreturn]] void fatal(const char* what);
// While a kernel or a device-side library call runs (device memory accessible when EMU_PROTECT=1).
struct DeviceScope {
  DeviceScope();
  ~DeviceScope();
};

using Body = void (*)(void*);
struct Site {  // per launch site: whether any launch of it called __syncthreads (then: fibers)
  bool synchronises = true;   // unknown until the first launch, which runs on fibers
  bool known = false;
  const char* name = "";
};
void run_grid(Site& site, dim3 grid, dim3 block, Body body, void* ctx);
// The device work this process has asked for so far, as a GPU's profiler would count it, for the tests of fused
// kernels and of a training pass's launches (test_emulated_launches.cpp): kernel launches (valid configurations
// only), cuDNN convolution calls (each one or more kernels on a GPU), and synchronous cudaMemcpy calls by direction
// (one to the host makes the host wait for the device's queue).
struct WorkCounts {
  size_t kernels = 0, cudnn_convolutions = 0, copies_to_device = 0, copies_to_host = 0, copies_on_device = 0;
};
WorkCounts& work();

struct Launch {
  dim3 grid, block;
  Launch(dim3 g, dim3 b, size_t shared_bytes = 0, cudaStream_t stream = nullptr) : grid(g), block(b) {
    (void)shared_bytes, (void)stream;
  }
  template <typename F, typename... A>
  void go(F f, A... args) {
    static Site site{true, false, __PRETTY_FUNCTION__};
    auto call = [&] { f(args...); };  // each thread's copy of the arguments: the kernel takes them by value
    run_grid(site, grid, block, [](void* c) { (*static_cast<decltype(call)*>(c))(); }, &call);
  }
};

}  // namespace emu
