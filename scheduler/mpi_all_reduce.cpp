// MPI_Allreduce in place, in pieces of at most INT_MAX elements (MPI counts are int).
#include "scheduler/mpi_all_reduce.h"

#include <algorithm>
#include <climits>

namespace ds {
namespace {

template <class T>
void sum_in_place(T* data, size_t n, MPI_Datatype type) {
  for (size_t at = 0; at < n; at += size_t(INT_MAX)) {
    const int count = int(std::min(n - at, size_t(INT_MAX)));
    DS_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, data + at, count, type, MPI_SUM, MPI_COMM_WORLD));
  }
}

}  // namespace

void MpiAllReduce::sum(float* data, size_t n) { sum_in_place(data, n, MPI_FLOAT); }
void MpiAllReduce::sum(double* data, size_t n) { sum_in_place(data, n, MPI_DOUBLE); }

}  // namespace ds
