// Which GPU a slot's trainers see (their CUDA_VISIBLE_DEVICES): slots are numbered per node (node-local
// rank × slots per rank + slot), and a number maps to a GPU through an explicit map, or modulo the GPUs
// per node; the result is then read through the CUDA_VISIBLE_DEVICES the coordinator or worker itself was
// given, so that a Slurm allocation of GPUs 2,3 makes slot 0 see GPU 2.
#pragma once
#include <string>
#include <vector>

namespace ds {

struct GpuBinding {
  std::vector<std::string> map;      // --gpu-map 0,1,2,3: node slot i gets map[i]
  int gpus_per_node = 0;             // --gpus-per-node G: node slot i gets i mod G (0: no wrap)
  std::vector<std::string> visible;  // this process's CUDA_VISIBLE_DEVICES, split on commas (empty: all)
};

// Throws InputError for a malformed map or a negative count. `visible_env` may be null.
GpuBinding make_gpu_binding(const std::string& gpu_map, int gpus_per_node, const char* visible_env);

// The GPU of node slot `node_slot`; InputError when an explicit map or the visible list is too short.
std::string gpu_for_node_slot(const GpuBinding& binding, int node_slot);

// The node-local rank from the launcher's environment (OMPI_COMM_WORLD_LOCAL_RANK, then SLURM_LOCALID,
// then MPI_LOCALRANKID); -1 when none is set.
int node_local_rank_from_env();

}  // namespace ds
