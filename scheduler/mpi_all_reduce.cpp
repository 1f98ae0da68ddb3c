// MPI_Allreduce in place, in pieces of at most INT_MAX elements (MPI counts are int); MPI_Bcast of bytes.
#include "scheduler/mpi_all_reduce.h"

#include <algorithm>
#include <climits>
#include <stdexcept>

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

std::string mpi_broadcast(const std::string& bytes, int root) {
  int rank = 0;
  DS_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  unsigned long long size = bytes.size();  // the others learn the size first
  DS_MPI_CHECK(MPI_Bcast(&size, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD));
  if (size > size_t(INT_MAX)) throw std::length_error("mpi_broadcast: more than INT_MAX bytes");
  std::string out = rank == root ? bytes : std::string(size_t(size), '\0');
  if (size) DS_MPI_CHECK(MPI_Bcast(out.data(), int(size), MPI_BYTE, root, MPI_COMM_WORLD));
  return out;
}

}  // namespace ds
