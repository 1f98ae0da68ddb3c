// GPU binding of slots: explicit map, modulo GPUs per node, and the inherited CUDA_VISIBLE_DEVICES.
#include "scheduler/gpu_binding.h"

#include <cstdlib>

#include "core/util/error.h"

namespace ds {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

GpuBinding make_gpu_binding(const std::string& gpu_map, int gpus_per_node, const char* visible_env) {
  GpuBinding b;
  if (gpus_per_node < 0) throw InputError("sweep run: --gpus-per-node must be >= 0, got " + std::to_string(gpus_per_node));
  b.gpus_per_node = gpus_per_node;
  if (!gpu_map.empty()) {
    b.map = split_commas(gpu_map);
    for (const auto& g : b.map)
      if (g.empty() || g.find_first_not_of("0123456789") != std::string::npos)
        throw InputError("sweep run: --gpu-map '" + gpu_map + "': expected comma-separated GPU indices like 0,1,2,3");
  }
  if (visible_env && *visible_env) b.visible = split_commas(visible_env);
  return b;
}

std::string gpu_for_node_slot(const GpuBinding& b, int node_slot) {
  int index = node_slot;
  if (!b.map.empty()) {
    if (node_slot >= int(b.map.size()))
      throw InputError("sweep run: --gpu-map names " + std::to_string(b.map.size()) + " GPU(s) but node slot " +
                       std::to_string(node_slot) + " needs one (one entry per slot on a node)");
    index = std::stoi(b.map[size_t(node_slot)]);
  } else if (b.gpus_per_node > 0) {
    index = node_slot % b.gpus_per_node;
  }
  if (b.visible.empty()) return std::to_string(index);
  if (index >= int(b.visible.size()))
    throw InputError("sweep run: GPU " + std::to_string(index) + " is not among CUDA_VISIBLE_DEVICES of this process (" +
                     std::to_string(b.visible.size()) + " visible)");
  return b.visible[size_t(index)];
}

int node_local_rank_from_env() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID"})
    if (const char* v = std::getenv(name); v && *v) return std::atoi(v);
  return -1;
}

}  // namespace ds
