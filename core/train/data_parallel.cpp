// Data-parallel training steps over an AllReduce; see data_parallel.h.
#include "core/train/data_parallel.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "core/util/error.h"

namespace ds {
namespace {

// The batch-norm rolling statistics of the flat parameter buffer as [offset, offset + count) ranges, adjacent
// slots merged (a layer's rolling mean and variance are neighbours): one sum per batch-norm layer.
std::vector<std::pair<size_t, size_t>> rolling_ranges(const Network& net) {
  std::vector<std::pair<size_t, size_t>> ranges;
  for (const ParamSlot& s : net.param_slots()) {
    if (s.block.kind != ParamKind::rolling_mean && s.block.kind != ParamKind::rolling_variance) continue;
    if (!ranges.empty() && ranges.back().first + ranges.back().second == s.offset)
      ranges.back().second += s.block.count;
    else
      ranges.emplace_back(s.offset, s.block.count);
  }
  return ranges;
}

}  // namespace

DataParallel::Share DataParallel::share(int subdivisions, const std::string& where) const {
  const int k = size();
  if (subdivisions % k != 0)
    throw InputError(where + ": " + std::to_string(k) + " processes need subdivisions divisible by " +
                     std::to_string(k) + ", got subdivisions=" + std::to_string(subdivisions));
  const int count = subdivisions / k;
  return {rank() * count, count};
}

bool DataParallel::on_device(const Network& net) const {
  if (!comm_->device_memory()) return false;
  if (!net.accelerator() || !net.accelerator()->device_grads())
    throw std::logic_error("data parallelism: an all-reduce of device memory needs a network on that device");
  return true;
}

void DataParallel::begin_iteration(Network& net) {
  if (!comm_) return;
  if (on_device(net)) {
    net.accelerator()->data_parallel_begin();
    return;
  }
  net.sync_to_host();  // a network on a GPU without a device all-reduce: the sums go through the host
  momentum_.assign(net.grads(), net.grads() + net.num_params());
  std::fill(net.grads(), net.grads() + net.num_params(), 0.f);
  net.sync_to_device();
}

void DataParallel::end_iteration(Network& net, std::vector<double>& sums) {
  if (!comm_) return;
  const float inv = 1.f / float(size());
  if (on_device(net)) {
    Accelerator& a = *net.accelerator();
    comm_->sum(a.device_grads(), net.num_params());
    for (const auto& [offset, count] : rolling_ranges(net)) comm_->sum(a.device_params() + offset, count);
    a.data_parallel_end(inv);
  } else {
    net.sync_to_host();
    float* g = net.grads();
    const size_t n = net.num_params();
    comm_->sum(g, n);
    for (size_t i = 0; i < n; ++i) g[i] += momentum_[i];
    float* p = net.params();
    for (const auto& [offset, count] : rolling_ranges(net)) {
      comm_->sum(p + offset, count);
      for (size_t i = offset; i < offset + count; ++i) p[i] *= inv;
    }
    net.sync_to_device();
  }
  if (!sums.empty()) comm_->sum(sums.data(), sums.size());
}

bool DataParallel::any(bool flag) {
  if (!comm_) return flag;
  double v = flag ? 1 : 0;
  comm_->sum(&v, 1);
  return v > 0;
}

}  // namespace ds
