// Emulated CUDA runtime (cuda_runtime.h): device memory, errors, kernel launches on fibers.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "cublas_v2.h"
#include "cuda_runtime.h"

thread_local uint3 threadIdx, blockIdx;
thread_local dim3 blockDim, gridDim;

namespace emu {
namespace {

// ---- device memory: one arena (mmap), first-fit free list; EMU_PROTECT=1 keeps it PROT_NONE outside device
// work (kernels, cudaMemcpy/Memset, cuDNN calls), so a host access to device memory is a SIGSEGV as on a GPU.
constexpr size_t kArena = size_t(48) << 30, kAlign = 256;
char* arena = nullptr;
size_t arena_top = 0;                 // bytes used at the top (bump)
std::map<uintptr_t, size_t> live;     // allocation -> bytes
std::multimap<size_t, uintptr_t> free_blocks;  // bytes -> address
size_t in_use = 0;
bool protect = false;
int device_depth = 0;
thread_local cudaError_t last_error = cudaSuccess;
bool reverse_order = false;

void init() {
  if (arena) return;
  arena = static_cast<char*>(mmap(nullptr, kArena, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
  if (arena == MAP_FAILED) fatal("arena mmap failed");
  const char* p = std::getenv("EMU_PROTECT");
  protect = p && *p == '1';
  const char* o = std::getenv("EMU_ORDER");
  reverse_order = o && std::string_view(o) == "reverse";
  if (protect) mprotect(arena, kArena, PROT_NONE);
}

void set_access(bool on) {
  if (!protect || !arena_top) return;
  if (mprotect(arena, arena_top, on ? (PROT_READ | PROT_WRITE) : PROT_NONE) != 0) fatal("mprotect failed");
}

}  // namespace

void fatal(const char* what) {
  std::fprintf(stderr, "emu: %s\n", what);
  std::abort();
}

DeviceScope::DeviceScope() {
  init();
  if (device_depth++ == 0) set_access(true);
}
DeviceScope::~DeviceScope() {
  if (--device_depth == 0) set_access(false);
}

bool is_device(const void* p, size_t bytes) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  auto it = live.upper_bound(a);
  if (it == live.begin()) return false;
  --it;
  return a >= it->first && a + bytes <= it->first + it->second && bytes <= it->second;
}

bool in_arena(const void* p) {
  return arena && static_cast<const char*>(p) >= arena && static_cast<const char*>(p) < arena + kArena;
}

void set_error(cudaError_t e) {
  if (last_error == cudaSuccess) last_error = e;
}

// ---- fibers: each thread of a synchronising block runs on its own stack; __syncthreads switches back to the
// block's scheduler, which resumes every thread once all have arrived (or finished).
extern "C" void emu_switch(void** save_sp, void* load_sp);
asm(R"(
.text
.globl emu_switch
.type emu_switch,@function
emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
.size emu_switch, .-emu_switch
)");

#if defined(__SANITIZE_ADDRESS__)
extern "C" void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom, size_t size);
extern "C" void __sanitizer_finish_switch_fiber(void* fake_stack_save, const void** bottom_old, size_t* size_old);
#define EMU_ASAN 1
#else
#define EMU_ASAN 0
#endif

namespace {

constexpr size_t kStack = 128 << 10;
const void* sched_bottom = nullptr;  // ASan: the scheduler's stack, learnt at each switch into a fiber
size_t sched_size = 0;
struct Fiber {
  void* sp = nullptr;
  char* stack = nullptr;  // kStack bytes above a guard page
  bool done = false;
  uint3 tid{};
};
std::vector<Fiber> fibers;
void* scheduler_sp = nullptr;
Fiber* current = nullptr;
Body current_body = nullptr;
void* current_ctx = nullptr;
bool in_fiber_launch = false, in_direct_launch = false, saw_sync = false;

void to_scheduler(bool finished) {  // from a fiber
#if EMU_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(finished ? nullptr : &fake, sched_bottom, sched_size);
#endif
  (void)finished;
  emu_switch(&current->sp, scheduler_sp);
#if EMU_ASAN
  __sanitizer_finish_switch_fiber(fake, &sched_bottom, &sched_size);
#endif
}

[[noreturn]] void fiber_main() {
#if EMU_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &sched_bottom, &sched_size);
#endif
  current_body(current_ctx);
  current->done = true;
  to_scheduler(true);
  fatal("finished fiber resumed");
}

void prepare(Fiber& f) {
  if (!f.stack) {
    char* m = static_cast<char*>(mmap(nullptr, kStack + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (m == MAP_FAILED) fatal("fiber stack mmap failed");
    mprotect(m, 4096, PROT_NONE);  // guard page below the stack
    f.stack = m + 4096;
  }
  uintptr_t top = (reinterpret_cast<uintptr_t>(f.stack) + kStack) & ~uintptr_t(15);
  void** s = reinterpret_cast<void**>(top - 8);  // the slot of a return address: (rsp + 8) % 16 == 0 at entry
  *s = nullptr;
  *--s = reinterpret_cast<void*>(&fiber_main);
  for (int i = 0; i < 6; ++i) *--s = nullptr;  // r15 r14 r13 r12 rbx rbp
  f.sp = s;
  f.done = false;
}

void run_block_on_fibers(dim3 block, Body body, void* ctx) {
  const size_t n = size_t(block.x) * block.y * block.z;
  if (fibers.size() < n) fibers.resize(n);
  for (size_t t = 0; t < n; ++t) {
    prepare(fibers[t]);
    fibers[t].tid = uint3{unsigned(t % block.x), unsigned((t / block.x) % block.y), unsigned(t / (size_t(block.x) * block.y))};
  }
  current_body = body, current_ctx = ctx;
  for (bool pending = true; pending;) {  // one round: every live thread runs to its next barrier or its end
    pending = false;
    for (size_t k = 0; k < n; ++k) {
      Fiber& f = fibers[reverse_order ? n - 1 - k : k];
      if (f.done) continue;
      current = &f;
      threadIdx = f.tid;
#if EMU_ASAN
      void* fake = nullptr;
      __sanitizer_start_switch_fiber(&fake, f.stack, kStack);
#endif
      emu_switch(&scheduler_sp, f.sp);
#if EMU_ASAN
      __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
      if (!f.done) pending = true;
    }
  }
  current = nullptr;
}

}  // namespace

WorkCounts& work() {
  static WorkCounts counts;
  return counts;
}

void run_grid(Site& site, dim3 grid, dim3 block, Body body, void* ctx) {
  init();
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || block.x == 0 || block.y == 0 || block.z == 0 ||
      size_t(block.x) * block.y * block.z > 1024 || block.z > 64 || grid.y > 65535 || grid.z > 65535) {
    set_error(cudaErrorInvalidConfiguration);
    return;
  }
  ++work().kernels;
  if (in_fiber_launch || in_direct_launch) fatal("kernel launched from a kernel");
  DeviceScope scope;
  gridDim = grid, blockDim = block;
  const bool fibers_mode = !site.known || site.synchronises;
  const size_t blocks = size_t(grid.x) * grid.y * grid.z, threads = size_t(block.x) * block.y * block.z;
  saw_sync = false;
  if (fibers_mode) in_fiber_launch = true; else in_direct_launch = true;
  for (size_t kb = 0; kb < blocks; ++kb) {
    const size_t b = reverse_order ? blocks - 1 - kb : kb;
    blockIdx = uint3{unsigned(b % grid.x), unsigned((b / grid.x) % grid.y), unsigned(b / (size_t(grid.x) * grid.y))};
    if (fibers_mode) {
      run_block_on_fibers(block, body, ctx);
    } else {
      for (size_t kt = 0; kt < threads; ++kt) {
        const size_t t = reverse_order ? threads - 1 - kt : kt;
        threadIdx = uint3{unsigned(t % block.x), unsigned((t / block.x) % block.y), unsigned(t / (size_t(block.x) * block.y))};
        body(ctx);
      }
    }
  }
  in_fiber_launch = in_direct_launch = false;
  if (!site.known) site.known = true, site.synchronises = saw_sync;
}

}  // namespace emu

void __syncthreads() {
  using namespace emu;
  if (in_direct_launch) fatal("__syncthreads in a kernel first launched without it (emulation: rerun with fibers)");
  if (!in_fiber_launch || !current) fatal("__syncthreads outside a kernel");
  saw_sync = true;
  Fiber* f = current;
  to_scheduler(false);
  current = f;
  threadIdx = f->tid;
}

// ---- runtime API
using emu::is_device;

cudaError_t cudaMallocBytes(void** p, size_t bytes) {
  using namespace emu;
  init();
  *p = nullptr;
  if (bytes == 0) return cudaSuccess;
#if EMU_ASAN
  {  // ASan build: every allocation its own malloc block, with red zones around it
    void* m = std::malloc(bytes);
    std::memset(m, 0xff, bytes);
    live[reinterpret_cast<uintptr_t>(m)] = bytes;
    in_use += bytes;
    *p = m;
    return cudaSuccess;
  }
#endif
  const size_t size = (bytes + kAlign - 1) / kAlign * kAlign;
  uintptr_t a = 0;
  auto it = free_blocks.lower_bound(size);
  if (it != free_blocks.end() && it->first <= 2 * size) {
    a = it->second;
    const size_t have = it->first;
    free_blocks.erase(it);
    live[a] = have;  // keeps the whole block (freed with its size)
  } else {
    if (arena_top + size > kArena) return cudaErrorMemoryAllocation;
    a = reinterpret_cast<uintptr_t>(arena + arena_top);
    if (protect && device_depth == 0) mprotect(arena + arena_top, size, PROT_NONE);
    arena_top += size;
    live[a] = size;
  }
  // Fresh device memory holds garbage: NaN floats (0xff bytes) make a missing initialisation visible.
  {
    DeviceScope s;
    std::memset(reinterpret_cast<void*>(a), 0xff, live[a]);
  }
  in_use += live[a];
  *p = reinterpret_cast<void*>(a);
  return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
  using namespace emu;
  if (!p) return cudaSuccess;
  auto it = live.find(reinterpret_cast<uintptr_t>(p));
  if (it == live.end()) {
    std::fprintf(stderr, "emu: cudaFree of %p, which is no live allocation\n", p);
    return cudaErrorInvalidDevicePointer;
  }
  {
    DeviceScope s;
    std::memset(p, 0xfe, it->second);  // a use after free reads garbage
  }
  in_use -= it->second;
#if EMU_ASAN
  std::free(p);
  live.erase(it);
  return cudaSuccess;
#endif
  free_blocks.emplace(it->second, it->first);
  live.erase(it);
  return cudaSuccess;
}

static cudaError_t bad_copy(const char* what, const void* dst, const void* src, size_t bytes, int kind) {
  std::fprintf(stderr, "emu: cudaMemcpy(%p, %p, %zu bytes, kind %d): %s\n", dst, src, bytes, kind, what);
  return cudaErrorInvalidValue;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  using namespace emu;
  init();
  if (bytes == 0) return cudaSuccess;
  const bool dd = is_device(dst, bytes), sd = is_device(src, bytes);
#if EMU_ASAN
  const bool dh = !is_device(dst), sh = !is_device(src);  // host memory: no device allocation
#else
  const bool dh = !in_arena(dst), sh = !in_arena(src);  // host memory: outside the arena
#endif
  switch (kind) {
    case cudaMemcpyHostToDevice:
      if (!dd || !sh) return bad_copy(!dd ? "destination is not inside one device allocation" : "source is device memory", dst, src, bytes, kind);
      break;
    case cudaMemcpyDeviceToHost:
      if (!sd || !dh) return bad_copy(!sd ? "source is not inside one device allocation" : "destination is device memory", dst, src, bytes, kind);
      break;
    case cudaMemcpyDeviceToDevice:
      if (!sd || !dd) return bad_copy("source or destination is not inside one device allocation", dst, src, bytes, kind);
      break;
    case cudaMemcpyHostToHost:
      if (!sh || !dh) return bad_copy("device memory in a host-to-host copy", dst, src, bytes, kind);
      break;
    default:
      if ((!sd && !sh) || (!dd && !dh)) return bad_copy("a pointer half inside device memory", dst, src, bytes, kind);
  }
  WorkCounts& counts = work();
  if (sd && dd) ++counts.copies_on_device;
  else if (sd) ++counts.copies_to_host;
  else if (dd) ++counts.copies_to_device;
  DeviceScope s;
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemset(void* dst, int value, size_t bytes) {
  using namespace emu;
  if (bytes == 0) return cudaSuccess;
  if (!is_device(dst, bytes)) {
    std::fprintf(stderr, "emu: cudaMemset(%p, %zu bytes) outside one device allocation\n", dst, bytes);
    return cudaErrorInvalidValue;
  }
  DeviceScope s;
  std::memset(dst, value, bytes);
  return cudaSuccess;
}

// ---- streams and events (cuda_runtime.h): a created stream's copies wait in a queue until they are needed.
struct CUstream_st {
  std::deque<std::function<void()>> pending;
  uint64_t queued = 0, done = 0;  // copies ever queued on it, and run
  void run_until(uint64_t count) {
    for (; done < count && !pending.empty(); ++done) {
      emu::DeviceScope s;
      pending.front()();
      pending.pop_front();
    }
  }
};
struct CUevent_st {
  CUstream_st* stream = nullptr;  // recorded on (nullptr: never, or the default stream: complete)
  uint64_t after = 0;             // complete once the stream has run this many copies
};
namespace emu {
namespace {
std::set<CUstream_st*> streams;
std::set<void*> pinned;
void complete(cudaEvent_t e) {
  if (e->stream) e->stream->run_until(e->after);
}
}  // namespace
}  // namespace emu

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags) {
  if (flags != cudaStreamNonBlocking) emu::fatal("only non-blocking streams are emulated");
  *stream = new CUstream_st;
  emu::streams.insert(*stream);
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  if (!emu::streams.erase(stream)) return cudaErrorInvalidValue;
  stream->run_until(stream->queued);  // the driver finishes a destroyed stream's work
  delete stream;
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  if (stream) stream->run_until(stream->queued);
  return cudaSuccess;
}
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned flags) {
  (void)flags;
  *event = new CUevent_st;
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (!event) return cudaErrorInvalidValue;
  event->stream = stream;
  event->after = stream ? stream->queued : 0;
  return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (!event) return cudaErrorInvalidValue;
  emu::complete(event);
  return cudaSuccess;
}
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned flags) {
  (void)stream, (void)flags;
  if (!event) return cudaErrorInvalidValue;
  emu::complete(event);  // as early as a GPU could; a stream that waits runs its later work after it
  return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream) {
  if (!stream) return cudaMemcpy(dst, src, bytes, kind);
  if (kind != cudaMemcpyHostToDevice || !emu::pinned.count(const_cast<void*>(src)))
    emu::fatal("emulated cudaMemcpyAsync on a stream: host-to-device from the start of pinned memory only");
  if (!emu::is_device(dst, bytes)) return bad_copy("destination is not inside one device allocation", dst, src, bytes, kind);
  stream->pending.push_back([=] { std::memmove(dst, src, bytes); });
  ++stream->queued;
  return cudaSuccess;
}
cudaError_t cudaHostAlloc(void** p, size_t bytes, unsigned flags) {
  (void)flags;
  *p = std::malloc(bytes);
  if (!*p) return cudaErrorMemoryAllocation;
  emu::pinned.insert(*p);
  return cudaSuccess;
}
cudaError_t cudaFreeHost(void* p) {
  if (!emu::pinned.erase(p)) return cudaErrorInvalidValue;
  std::free(p);
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() {
  for (CUstream_st* s : emu::streams) s->run_until(s->queued);
  cudaError_t e = emu::last_error;  // sticky errors would show here; launch errors are reported by cudaGetLastError
  (void)e;
  return cudaSuccess;
}
cudaError_t cudaGetLastError() {
  const cudaError_t e = emu::last_error;
  emu::last_error = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError() { return emu::last_error; }
const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer: return "invalid device pointer";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    default: return "unknown error (emulated)";
  }
}
cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
  *total = size_t(139) << 30;
  *free = *total - std::min(*total, emu::in_use);
  return cudaSuccess;
}

// ---- cuBLAS handles
struct cublasContext {
  int magic = 0xb1a5;
};
cublasStatus_t cublasCreate(cublasHandle_t* h) {
  *h = new cublasContext;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasDestroy(cublasHandle_t h) {
  if (!h || h->magic != 0xb1a5) return CUBLAS_STATUS_NOT_INITIALIZED;
  delete h;
  return CUBLAS_STATUS_SUCCESS;
}
const char* cublasGetStatusString(cublasStatus_t s) { return s == CUBLAS_STATUS_SUCCESS ? "CUBLAS_STATUS_SUCCESS" : "CUBLAS error (emulated)"; }
