// Point-to-point JSON messages between the ranks of an MPI job (MPI_COMM_WORLD): non-blocking sends,
// so that two ranks sending large messages to each other at once cannot deadlock, and a polled receive,
// so that the coordinator's loop never blocks inside MPI. Every MPI call is checked (call and site named).
#pragma once
#include <mpi.h>

#include <deque>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ds {

enum MpiTag : int { kTagHello = 1, kTagLaunch, kTagSignal, kTagEvents, kTagShutdown };

struct MpiMessage {
  int source = 0;
  int tag = 0;
  nlohmann::json body;
};

// MPI_Init on construction, MPI_Finalize on destruction (after every send has completed).
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  // This rank's index among the ranks of its node (MPI_Comm_split_type shared memory).
  int node_local_rank() const;

 private:
  int rank_ = 0, size_ = 1;
};

class MpiLink {
 public:
  MpiLink() = default;
  ~MpiLink();  // completes pending sends
  MpiLink(const MpiLink&) = delete;
  MpiLink& operator=(const MpiLink&) = delete;

  void send(int dest, MpiTag tag, const nlohmann::json& body);
  // A message from any rank, or nothing when none has arrived.
  std::optional<MpiMessage> try_receive();
  // Frees the buffers of completed sends.
  void progress();
  // Waits until every send has completed.
  void flush();

 private:
  struct Pending {
    std::string bytes;
    MPI_Request request = MPI_REQUEST_NULL;
  };
  std::deque<Pending> pending_;  // deque: elements stay put while MPI holds their buffers
};

// Throws std::runtime_error naming the call and the site when an MPI call fails.
void check_mpi(int code, const char* call, const char* file, int line);
#define DS_MPI_CHECK(call) ::ds::check_mpi((call), #call, __FILE__, __LINE__)

}  // namespace ds
