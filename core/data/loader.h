// Loader: turns a Dataset into augmented training mini-batches with darknet's semantics (load_data_detection
// in darknet's data.c), on worker threads, deterministically for a seed whatever the thread count.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/image.h"

namespace ds {

// Augmentation switches and strengths (from [net] and the first [yolo] layer, as darknet reads them).
struct AugmentOptions {
  float jitter = 0.2f;       // [yolo] jitter: random crop/translate of up to ±jitter of the size
  float hue = 0.f, saturation = 1.f, exposure = 1.f;
  bool flip = true;
  bool letter_box = false;   // keep aspect ratio (letterbox) instead of stretching
  bool mosaic = false;       // M: 4-image mosaic on about half of the loads
  bool mixup = false;        // blend two images and their boxes
  bool blur = false;
  int mosaic_bound = 0;
  bool train = true;         // false: only resize (letterbox or stretch) for validation
};

struct Batch {
  int n = 0, c = 3, h = 0, w = 0;
  std::vector<float> x;                          // n x c x h x w, values in [0, 1]
  std::vector<std::vector<TruthBox>> truths;     // per image, normalised to the network input
  std::vector<int> indices;                      // dataset index of each image (for evaluation)
};

class Loader {
 public:
  Loader(const Dataset& data, AugmentOptions options, uint64_t seed, int threads);
  ~Loader();
  // The next mini-batch of `n` images at w x h (the size may change between calls: random shapes, DM).
  Batch next(int n, int w, int h);
  // Images loaded so far; restoring it (after a checkpoint) makes next() continue identically.
  uint64_t position() const;
  void seek(uint64_t position);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One augmented training sample (what the Loader does per image; exposed for tests and previews).
struct Sample {
  Image image;
  std::vector<TruthBox> boxes;
};
Sample load_training_sample(const Dataset& data, size_t index, const AugmentOptions& options, int w, int h,
                            uint64_t sample_seed);

}  // namespace ds
