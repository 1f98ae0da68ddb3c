// MPI session and JSON message link (see mpi_link.h).
#include "scheduler/mpi_link.h"

#include <stdexcept>

namespace ds {

void check_mpi(int code, const char* call, const char* file, int line) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " +
                           std::string(text, size_t(length)));
}

MpiSession::MpiSession() {
  DS_MPI_CHECK(MPI_Init(nullptr, nullptr));
  // Errors come back as codes (and so as exceptions) instead of aborting the job inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  DS_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  DS_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size_));
}

MpiSession::~MpiSession() { MPI_Finalize(); }

int MpiSession::node_local_rank() const {
  MPI_Comm node;
  DS_MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node));
  int local = 0;
  DS_MPI_CHECK(MPI_Comm_rank(node, &local));
  MPI_Comm_free(&node);
  return local;
}

MpiLink::~MpiLink() {
  try {
    flush();
  } catch (...) {
  }
}

void MpiLink::send(int dest, MpiTag tag, const nlohmann::json& body) {
  // Progress bytes of a crashed trainer may be invalid UTF-8: replace rather than throw.
  pending_.push_back({body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), MPI_REQUEST_NULL});
  Pending& p = pending_.back();
  DS_MPI_CHECK(MPI_Isend(p.bytes.data(), int(p.bytes.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD, &p.request));
  progress();
}

void MpiLink::progress() {
  while (!pending_.empty()) {
    int done = 0;
    DS_MPI_CHECK(MPI_Test(&pending_.front().request, &done, MPI_STATUS_IGNORE));
    if (!done) break;
    pending_.pop_front();
  }
}

void MpiLink::flush() {
  for (auto& p : pending_) DS_MPI_CHECK(MPI_Wait(&p.request, MPI_STATUS_IGNORE));
  pending_.clear();
}

std::optional<MpiMessage> MpiLink::try_receive() {
  int flag = 0;
  MPI_Status status;
  DS_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status));
  if (!flag) return std::nullopt;
  int count = 0;
  DS_MPI_CHECK(MPI_Get_count(&status, MPI_CHAR, &count));
  std::string bytes(size_t(count), '\0');
  DS_MPI_CHECK(MPI_Recv(bytes.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
                        MPI_STATUS_IGNORE));
  return MpiMessage{status.MPI_SOURCE, status.MPI_TAG, nlohmann::json::parse(bytes)};
}

}  // namespace ds
