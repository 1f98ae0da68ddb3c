// Emulated NCCL (nccl.h) across processes. The unique id names a POSIX shared-memory segment; ncclCommInitRank maps
// it: a header (a barrier: an arrival count and a generation, both atomics that the fresh segment's zeros
// initialise; each rank's device and current call) and one slot per rank. ncclAllReduce runs in pieces of a slot:
// each rank copies its piece into its slot, all meet at the barrier, each sums the slots in rank order into its
// output (the same bits on every rank), and all meet again before the slots are reused. Ranks that disagree about
// a call (count, type) fail it with ncclInvalidUsage on every rank, rather than summing garbage.
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "nccl.h"

namespace {

constexpr int kMaxRanks = 64;
constexpr size_t kSlotBytes = size_t(4) << 20;

struct Call {  // what a rank's current collective is, to check that all ranks make the same one
  uint64_t count;
  uint32_t datatype, op;
};

struct Header {
  uint32_t arrived, generation;  // the barrier (used through std::atomic_ref)
  uint32_t nranks;               // set by the first rank to come, checked by the others
  int32_t device_plus_one[kMaxRanks];
  Call call[kMaxRanks];
};
constexpr size_t kHeaderBytes = (sizeof(Header) + 4095) / 4096 * 4096;

double seconds_now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

double timeout_seconds() {
  const char* t = std::getenv("EMU_NCCL_TIMEOUT");
  return t && *t ? std::atof(t) : 600;
}

}  // namespace

struct ncclComm {
  std::string name;
  int rank = 0, nranks = 0;
  char* base = nullptr;
  size_t bytes = 0;
  Header* header() const { return reinterpret_cast<Header*>(base); }
  char* slot(int r) const { return base + kHeaderBytes + size_t(r) * kSlotBytes; }

  // All ranks meet; false (after EMU_NCCL_TIMEOUT seconds) when one does not come.
  bool barrier() const {
    std::atomic_ref<uint32_t> arrived(header()->arrived), generation(header()->generation);
    const uint32_t gen = generation.load(std::memory_order_acquire);
    if (arrived.fetch_add(1, std::memory_order_acq_rel) + 1 == uint32_t(nranks)) {
      arrived.store(0, std::memory_order_relaxed);
      generation.fetch_add(1, std::memory_order_release);
      return true;
    }
    const double give_up = seconds_now() + timeout_seconds();
    for (unsigned spins = 0; generation.load(std::memory_order_acquire) == gen; ++spins) {
      if (spins < 1000) {
        sched_yield();
      } else {
        const timespec pause{0, 50000};
        nanosleep(&pause, nullptr);
        if (spins % 1024 == 0 && seconds_now() > give_up) {
          std::fprintf(stderr, "emu nccl: rank %d waited %.0f s for the other ranks of %s\n", rank, timeout_seconds(),
                       name.c_str());
          return false;
        }
      }
    }
    return true;
  }
};

namespace {

template <class T>
void sum_slots(const ncclComm& c, T* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    T acc = reinterpret_cast<const T*>(c.slot(0))[i];
    for (int r = 1; r < c.nranks; ++r) acc += reinterpret_cast<const T*>(c.slot(r))[i];
    out[i] = acc;
  }
}

bool same_call_everywhere(const ncclComm& c) {
  const Call& mine = c.header()->call[c.rank];
  for (int r = 0; r < c.nranks; ++r) {
    const Call& other = c.header()->call[r];
    if (other.count != mine.count || other.datatype != mine.datatype || other.op != mine.op) return false;
  }
  return true;
}

}  // namespace

ncclResult_t ncclGetUniqueId(ncclUniqueId* id) {
  static unsigned counter = 0;
  std::memset(id->internal, 0, sizeof id->internal);
  std::snprintf(id->internal, sizeof id->internal, "/ds_emu_nccl_%d_%u_%08x", int(getpid()), counter++,
                unsigned(std::random_device{}()));
  return ncclSuccess;
}

ncclResult_t ncclCommInitRank(ncclComm_t* out, int nranks, ncclUniqueId id, int rank) {
  *out = nullptr;
  if (nranks < 1 || nranks > kMaxRanks || rank < 0 || rank >= nranks) return ncclInvalidArgument;
  if (id.internal[0] != '/' || !std::memchr(id.internal, 0, sizeof id.internal)) return ncclInvalidArgument;
  auto* c = new ncclComm;
  c->name = id.internal;
  c->rank = rank;
  c->nranks = nranks;
  c->bytes = kHeaderBytes + size_t(nranks) * kSlotBytes;
  const int fd = shm_open(c->name.c_str(), O_CREAT | O_RDWR, 0600);
  if (fd < 0 || ftruncate(fd, off_t(c->bytes)) != 0) {
    std::perror("emu nccl: shm_open/ftruncate");
    if (fd >= 0) close(fd);
    delete c;
    return ncclSystemError;
  }
  void* p = mmap(nullptr, c->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    std::perror("emu nccl: mmap");
    delete c;
    return ncclSystemError;
  }
  c->base = static_cast<char*>(p);
  Header* h = c->header();
  uint32_t expected = 0;
  std::atomic_ref<uint32_t>(h->nranks).compare_exchange_strong(expected, uint32_t(nranks));
  int device = 0;
  cudaGetDevice(&device);
  h->device_plus_one[rank] = device + 1;
  const bool met = c->barrier();
  if (rank == 0) shm_unlink(c->name.c_str());  // every rank has it mapped (or one never came): no name left over
  ncclResult_t result = met ? ncclSuccess : ncclSystemError;
  if (met && (expected != 0 && expected != uint32_t(nranks))) result = ncclInvalidArgument;
  for (int r = 0; met && result == ncclSuccess && r < nranks; ++r)
    if (r != rank && h->device_plus_one[r] == device + 1) {  // as NCCL's "Duplicate GPU detected"
      std::fprintf(stderr, "emu nccl: ranks %d and %d both use device %d\n", rank, r, device);
      result = ncclInvalidUsage;
    }
  if (result != ncclSuccess) {
    ncclCommDestroy(c);
    return result;
  }
  *out = c;
  return ncclSuccess;
}

ncclResult_t ncclCommDestroy(ncclComm_t comm) {
  if (!comm) return ncclInvalidArgument;
  if (comm->base) munmap(comm->base, comm->bytes);
  delete comm;
  return ncclSuccess;
}

ncclResult_t ncclCommCount(const ncclComm_t comm, int* count) {
  if (!comm) return ncclInvalidArgument;
  *count = comm->nranks;
  return ncclSuccess;
}

ncclResult_t ncclCommUserRank(const ncclComm_t comm, int* rank) {
  if (!comm) return ncclInvalidArgument;
  *rank = comm->rank;
  return ncclSuccess;
}

ncclResult_t ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, ncclRedOp_t op,
                           ncclComm_t comm, cudaStream_t stream) {
  (void)stream;
  if (!comm) return ncclInvalidArgument;
  const size_t size = datatype == ncclFloat ? sizeof(float) : datatype == ncclDouble ? sizeof(double) : 0;
  if (size == 0 || op != ncclSum) return ncclInvalidArgument;
  if (count && (!emu::is_device(sendbuff, count * size) || !emu::is_device(recvbuff, count * size))) {
    std::fprintf(stderr, "emu nccl: ncclAllReduce of %zu elements at %p -> %p: not inside device allocations\n", count,
                 sendbuff, recvbuff);
    return ncclInvalidArgument;
  }
  Header* h = comm->header();
  h->call[comm->rank] = Call{count, uint32_t(datatype), uint32_t(op)};
  if (!comm->barrier()) return ncclSystemError;
  const bool agreed = same_call_everywhere(*comm);
  if (!comm->barrier()) return ncclSystemError;  // nobody rewrites its call before all have compared
  if (!agreed) {
    std::fprintf(stderr, "emu nccl: rank %d: the ranks' ncclAllReduce calls differ (count, type or op)\n", comm->rank);
    return ncclInvalidUsage;
  }
  emu::DeviceScope scope;
  const size_t per_piece = kSlotBytes / size;
  for (size_t at = 0; at < count; at += per_piece) {
    const size_t n = std::min(per_piece, count - at);
    std::memcpy(comm->slot(comm->rank), static_cast<const char*>(sendbuff) + at * size, n * size);
    if (!comm->barrier()) return ncclSystemError;
    char* out = static_cast<char*>(recvbuff) + at * size;
    if (datatype == ncclFloat)
      sum_slots(*comm, reinterpret_cast<float*>(out), n);
    else
      sum_slots(*comm, reinterpret_cast<double*>(out), n);
    if (!comm->barrier()) return ncclSystemError;
  }
  return ncclSuccess;
}

ncclResult_t ncclGroupStart() { return ncclSuccess; }
ncclResult_t ncclGroupEnd() { return ncclSuccess; }

const char* ncclGetErrorString(ncclResult_t result) {
  switch (result) {
    case ncclSuccess: return "no error";
    case ncclUnhandledCudaError: return "unhandled cuda error";
    case ncclSystemError: return "unhandled system error (emulated: a rank did not come, or shared memory failed)";
    case ncclInternalError: return "internal error";
    case ncclInvalidArgument: return "invalid argument";
    case ncclInvalidUsage: return "invalid usage";
    case ncclRemoteError: return "remote process exited or there was a network error";
    case ncclInProgress: return "NCCL operation in progress";
  }
  return "unknown result code (emulated)";
}
