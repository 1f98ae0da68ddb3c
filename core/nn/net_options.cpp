// [net] parsing with darknet's defaults (parse_net_options in darknet's parser.c).
#include "core/nn/net_options.h"

#include <algorithm>
#include <limits>

#include "core/util/error.h"

namespace ds {

NetOptions parse_net_options(const CfgSection& s) {
  NetOptions n;
  n.max_batches = s.get_int("max_batches", 0);
  n.batch = s.get_int("batch", 1);
  n.learning_rate = s.get_float("learning_rate", 0.001f);
  n.learning_rate_min = s.get_float("learning_rate_min", 0.00001f);
  n.sgdr_cycle = s.get_int("sgdr_cycle", n.max_batches);
  n.sgdr_mult = s.get_int("sgdr_mult", 2);
  n.momentum = s.get_float("momentum", 0.9f);
  n.decay = s.get_float("decay", 0.0001f);
  n.subdivisions = s.get_int("subdivisions", 1);
  n.time_steps = s.get_int("time_steps", 1);
  n.track = s.get_int("track", 0);
  n.augment_speed = s.get_int("augment_speed", 2);
  n.loss_scale = s.get_float("loss_scale", 1);
  n.dynamic_minibatch = s.get_int("dynamic_minibatch", 0);
  n.width = s.get_int("width", 0);
  n.height = s.get_int("height", 0);
  n.channels = s.get_int("channels", 0);
  // In 64 bits: an absurd width x height (refused below) must not overflow on the way there.
  const long long pixels = 1LL * n.width * n.height * n.channels;
  n.inputs = s.get_int("inputs", int(std::min<long long>(pixels, std::numeric_limits<int>::max())));
  n.max_crop = s.get_int("max_crop", n.width * 2);
  n.min_crop = s.get_int("min_crop", n.width);
  n.flip = s.get_int("flip", 1);
  n.blur = s.get_int("blur", 0);
  n.gaussian_noise = s.get_int("gaussian_noise", 0);
  n.mixup = s.get_int("mixup", 0);
  n.cutmix = s.get_int("cutmix", 0);
  n.mosaic = s.get_int("mosaic", 0);
  n.letter_box = s.get_int("letter_box", 0);
  n.mosaic_bound = s.get_int("mosaic_bound", 0);
  n.contrastive = s.get_int("contrastive", 0);
  n.label_smooth_eps = s.get_float("label_smooth_eps", 0.f);
  n.resize_step = s.get_int("resize_step", 32);
  n.adversarial_lr = s.get_float("adversarial_lr", 0);
  n.angle = s.get_float("angle", 0);
  n.aspect = s.get_float("aspect", 1);
  n.saturation = s.get_float("saturation", 1);
  n.exposure = s.get_float("exposure", 1);
  n.hue = s.get_float("hue", 0);
  n.power = s.get_float("power", 4);
  n.burn_in = s.get_int("burn_in", 0);
  n.policy = s.get_choice("policy", "constant", {"constant", "step", "steps", "exp", "poly", "sigmoid", "sgdr"});
  n.step = s.get_int("step", 1);
  n.scale = s.get_float("scale", 1);
  n.steps = s.get_int_list("steps");
  n.scales = s.get_float_list("scales");
  n.gamma = s.get_float("gamma", 1);

  // Options darknet reads that do not change what we compute; accepted only at their defaults.
  for (const char* key : {"adam", "contrastive_jit_flip", "contrastive_color", "unsupervised", "attention",
                          "try_fix_nan", "weights_reject_freq", "equidistant_point", "use_cuda_graph",
                          "optimized_memory"}) {
    if (s.get_int(key, 0) != 0) s.fail(key, "not supported by darksweep (only the default 0 is accepted)");
  }
  if (s.get_int("sequential_subdivisions", n.subdivisions) != n.subdivisions)
    s.fail("sequential_subdivisions", "not supported by darksweep (must equal subdivisions)");
  for (const char* key : {"badlabels_rejection_percentage", "num_sigmas_reject_badlabels", "ema_alpha"}) {
    if (s.get_float(key, 0) != 0) s.fail(key, "not supported by darksweep (only the default 0 is accepted)");
  }
  s.get_float("max_chart_loss", 20);             // chart drawing only
  s.get_float("workspace_size_limit_MB", 1024);  // cuDNN workspace hint, used by the CUDA backend
  s.get_float("show_receptive_field", 0);        // printing only

  if (n.batch < 1) s.fail("batch", "must be >= 1");
  if (n.subdivisions < 1) s.fail("subdivisions", "must be >= 1");
  if (n.batch % n.subdivisions != 0)
    s.fail("subdivisions", "batch " + std::to_string(n.batch) + " is not divisible by subdivisions " +
                               std::to_string(n.subdivisions));
  n.mini_batch = n.batch / n.subdivisions;
  if (n.width <= 0 || n.height <= 0 || n.channels <= 0)
    s.fail("width", "width, height and channels must all be > 0 (got " + std::to_string(n.width) + "x" +
                        std::to_string(n.height) + "x" + std::to_string(n.channels) + ")");
  const long long kMaxPixels = 1LL << 26;  // refuse absurd sizes before anything is allocated
  if (1LL * n.width * n.height * n.channels > kMaxPixels) s.fail("width", "input size is absurdly large");
  if (n.policy == "steps") {
    if (n.steps.empty() || n.steps.size() != n.scales.size())
      s.fail("steps", "policy=steps needs steps= and scales= of the same length");
  }
  if (n.time_steps != 1) s.fail("time_steps", "recurrent networks are not supported (only 1)");
  return n;
}

}  // namespace ds
