// NetOptions: the [net] section of a cfg, with darknet's defaults (parse_net_options in darknet's parser.c).
#pragma once
#include <string>
#include <vector>

#include "core/cfg/cfg.h"

namespace ds {

struct NetOptions {
  // Sizes. `batch` in the cfg is the full batch; darknet divides it by subdivisions, so
  // `mini_batch` is the number of images in one forward/backward pass.
  int batch = 1;
  int subdivisions = 1;
  int mini_batch = 1;
  int width = 0, height = 0, channels = 0;

  // Optimiser (darknet SGD). lr / batch is applied to the gradient summed over the batch.
  float learning_rate = 0.001f;
  float momentum = 0.9f;
  float decay = 0.0001f;
  int burn_in = 0;
  float power = 4.f;
  int max_batches = 0;
  std::string policy = "constant";  // constant, step, steps, exp, poly, sigmoid, sgdr (also random is rejected)
  int step = 1;                      // policy=step
  float scale = 1.f;                 // policy=step
  std::vector<int> steps;            // policy=steps
  std::vector<float> scales;         // policy=steps
  float gamma = 1.f;                 // policy=exp, sigmoid
  float learning_rate_min = 0.00001f;  // policy=sgdr
  int sgdr_cycle = 0;                // 0 -> max_batches
  int sgdr_mult = 2;

  // Training-time data options (read here so the cfg check accepts them; used by the data pipeline).
  float label_smooth_eps = 0;
  int mosaic = 0, mixup = 0, cutmix = 0, blur = 0, flip = 1, letter_box = 0;
  float angle = 0, saturation = 1, exposure = 1, hue = 0;
  int resize_step = 32;              // random training shapes are multiples of this
  int dynamic_minibatch = 0;
  float adversarial_lr = 0;          // SAT: the self-adversarial step (core/train/self_adversarial.h)
  float loss_scale = 1;
  int track = 0, time_steps = 1, augment_speed = 2, inputs = 0;
  int gaussian_noise = 0, mosaic_bound = 0, contrastive = 0;
  int max_crop = 0, min_crop = 0;
  float aspect = 1;
};

// Reads and validates [net]; marks its keys used.
NetOptions parse_net_options(const CfgSection& net);

}  // namespace ds
