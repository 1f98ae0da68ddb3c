// Precise-BN re-estimation of batch-norm rolling statistics (see precise_bn.h).
#include "core/train/precise_bn.h"

#include <algorithm>

#include "core/data/loader.h"

namespace ds {

void reestimate_batchnorm(Network& net, const Dataset& train, int batches, uint64_t seed) {
  for (const ParamSlot& s : net.param_slots())
    if (s.block.kind == ParamKind::rolling_mean || s.block.kind == ParamKind::rolling_variance)
      std::fill_n(net.params() + s.offset, s.block.count, 0.f);
  net.sync_to_device();
  AugmentOptions plain;
  plain.train = false;
  Loader loader(train, plain, seed, 1);
  Rng rng(seed);
  const Shape in = net.input_shape();
  for (int k = 1; k <= batches; ++k) {
    Batch b = loader.next(net.mini_batch(), in.w, in.h);
    net.forward(b.x.data(), /*train=*/true, &rng, 0, nullptr, 1.f / float(k));
  }
}

}  // namespace ds
