// NcclAllReduce (nccl_all_reduce.h): the communicator's life and the checked NCCL calls.
#include "core/cuda/nccl_all_reduce.h"

#include <cstring>
#include <stdexcept>

#include "core/cuda/cuda_check.h"

// A checked NCCL call: a failure throws with the call's text, NCCL's message and the site (as DS_CUDA_CHECK).
#define DS_NCCL_CHECK(call)                                                              \
  do {                                                                                   \
    ncclResult_t ds_status_ = (call);                                                    \
    if (ds_status_ != ncclSuccess)                                                       \
      ::ds::cuda::fail_call(#call, ncclGetErrorString(ds_status_), __FILE__, __LINE__);   \
  } while (0)

namespace ds::cuda {

std::string nccl_unique_id() {
  ncclUniqueId id;
  DS_NCCL_CHECK(ncclGetUniqueId(&id));
  return std::string(id.internal, sizeof id.internal);
}

NcclAllReduce::NcclAllReduce(int rank, int size, const std::string& unique_id, AllReduce* host, cudaStream_t stream)
    : rank_(rank), size_(size), host_(host), stream_(stream) {
  ncclUniqueId id;
  if (unique_id.size() != sizeof id.internal)
    throw std::invalid_argument("NcclAllReduce: the unique id has " + std::to_string(unique_id.size()) +
                                " bytes, NCCL's have " + std::to_string(sizeof id.internal));
  std::memcpy(id.internal, unique_id.data(), sizeof id.internal);
  ncclComm_t comm = nullptr;
  DS_NCCL_CHECK(ncclCommInitRank(&comm, size, id, rank));
  comm_.reset(comm);
}

void NcclAllReduce::CommDeleter::operator()(ncclComm* c) const {
  ncclCommDestroy(c);  // a destructor's: nothing to report a failure to
}

void NcclAllReduce::sum(float* device_data, size_t n) {
  if (n) DS_NCCL_CHECK(ncclAllReduce(device_data, device_data, n, ncclFloat, ncclSum, comm_.get(), stream_));
}

void NcclAllReduce::sum(double* data, size_t n) {
  if (!host_) throw std::logic_error("NcclAllReduce: double sums need the processes' host AllReduce");
  host_->sum(data, n);
}

}  // namespace ds::cuda
