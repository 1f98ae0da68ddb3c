// Data-parallel training steps over an AllReduce; see data_parallel.h.
#include "core/train/data_parallel.h"

#include <algorithm>

#include "core/util/error.h"

namespace ds {

DataParallel::Share DataParallel::share(int subdivisions, const std::string& where) const {
  const int k = size();
  if (subdivisions % k != 0)
    throw InputError(where + ": " + std::to_string(k) + " processes need subdivisions divisible by " +
                     std::to_string(k) + ", got subdivisions=" + std::to_string(subdivisions));
  const int count = subdivisions / k;
  return {rank() * count, count};
}

void DataParallel::begin_iteration(Network& net) {
  if (!comm_) return;
  net.sync_to_host();  // on a GPU the sums go through the host (NCCL would keep them on the device)
  momentum_.assign(net.grads(), net.grads() + net.num_params());
  std::fill(net.grads(), net.grads() + net.num_params(), 0.f);
  net.sync_to_device();
}

void DataParallel::end_iteration(Network& net, std::vector<double>& sums) {
  if (!comm_) return;
  net.sync_to_host();
  float* g = net.grads();
  const size_t n = net.num_params();
  comm_->sum(g, n);
  for (size_t i = 0; i < n; ++i) g[i] += momentum_[i];
  const float inv = 1.f / float(size());
  float* p = net.params();
  for (const ParamSlot& s : net.param_slots()) {
    if (s.block.kind != ParamKind::rolling_mean && s.block.kind != ParamKind::rolling_variance) continue;
    comm_->sum(p + s.offset, s.block.count);
    for (size_t i = 0; i < s.block.count; ++i) p[s.offset + i] *= inv;
  }
  net.sync_to_device();
  if (!sums.empty()) comm_->sum(sums.data(), sums.size());
}

bool DataParallel::any(bool flag) {
  if (!comm_) return flag;
  double v = flag ? 1 : 0;
  comm_->sum(&v, 1);
  return v > 0;
}

}  // namespace ds
