// Emulated NCCL (nccl.cpp): the communicator API darksweep uses, across the PROCESSES of a data-parallel run (each
// single-threaded, with its own emulated device), through a POSIX shared-memory segment named by the unique id.
// Every call is synchronous: the stream arguments are accepted and ignored, as the emulated runtime's streams are.
#pragma once
#include <cstddef>

#include "cuda_runtime.h"

#define NCCL_UNIQUE_ID_BYTES 128
typedef struct {
  char internal[NCCL_UNIQUE_ID_BYTES];
} ncclUniqueId;

typedef struct ncclComm* ncclComm_t;

typedef enum {
  ncclSuccess = 0,
  ncclUnhandledCudaError = 1,
  ncclSystemError = 2,
  ncclInternalError = 3,
  ncclInvalidArgument = 4,
  ncclInvalidUsage = 5,
  ncclRemoteError = 6,
  ncclInProgress = 7,
} ncclResult_t;

typedef enum { ncclSum = 0, ncclProd = 1, ncclMax = 2, ncclMin = 3, ncclAvg = 4 } ncclRedOp_t;

typedef enum {
  ncclInt8 = 0, ncclChar = 0, ncclUint8 = 1, ncclInt32 = 2, ncclInt = 2, ncclUint32 = 3, ncclInt64 = 4,
  ncclUint64 = 5, ncclFloat16 = 6, ncclHalf = 6, ncclFloat32 = 7, ncclFloat = 7, ncclFloat64 = 8, ncclDouble = 8,
} ncclDataType_t;

// A fresh segment name ("/ds_emu_nccl_<pid>_<n>_<random>") in the id.
ncclResult_t ncclGetUniqueId(ncclUniqueId* id);
// Collective: every rank of nranks calls it with the same id, each on a different current device (as NCCL,
// ncclInvalidUsage when two ranks share one). Waits for all ranks (ncclSystemError after EMU_NCCL_TIMEOUT seconds,
// default 600, when one never comes).
ncclResult_t ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId id, int rank);
ncclResult_t ncclCommDestroy(ncclComm_t comm);
ncclResult_t ncclCommCount(const ncclComm_t comm, int* count);
ncclResult_t ncclCommUserRank(const ncclComm_t comm, int* rank);
// ncclSum of ncclFloat or ncclDouble device buffers (in place or not): every rank gets the sum of the ranks' data
// in rank order, the same bits on every rank. Other types or operations: ncclInvalidArgument.
ncclResult_t ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, ncclRedOp_t op,
                           ncclComm_t comm, cudaStream_t stream);
// No-ops: every call completes before it returns.
ncclResult_t ncclGroupStart();
ncclResult_t ncclGroupEnd();
const char* ncclGetErrorString(ncclResult_t result);
