// Classifier evaluation: top-1 and top-5 accuracy (see evaluate_classifier.h).
#include "core/train/evaluate_classifier.h"

#include <algorithm>

#include "core/data/classify.h"
#include "core/data/image.h"
#include "core/nn/classifier_loss.h"

namespace ds {

ClassifierEval evaluate_classifier(Network& net, size_t output_layer, const Dataset& val,
                                   const std::vector<int>& classes, int max_images) {
  size_t count = val.images.size();
  if (max_images > 0) count = std::min(count, size_t(max_images));
  const Shape in = net.input_shape();
  const size_t batch = size_t(net.mini_batch());
  std::vector<float> x(batch * in.size());
  size_t hits1 = 0, hits5 = 0;
  for (size_t start = 0; start < count; start += batch) {
    const size_t n = std::min(count - start, batch);
    std::fill(x.begin(), x.end(), 0.f);
    for (size_t k = 0; k < n; ++k) {
      const Image im = validation_classifier_image(load_image(val.images[start + k]), in.w, in.h);
      std::copy(im.data.begin(), im.data.end(), x.begin() + long(k * in.size()));
    }
    net.forward(x.data(), /*train=*/false);
    const Tensor probs = net.output(output_layer);
    const size_t k_classes = probs.size() / batch;
    for (size_t k = 0; k < n; ++k) {
      const float* p = probs.data + k * k_classes;
      hits1 += in_top_k(p, k_classes, classes[start + k], 1);
      hits5 += in_top_k(p, k_classes, classes[start + k], 5);
    }
  }
  ClassifierEval e;
  e.images = count;
  if (count > 0) {
    e.top1 = double(hits1) / double(count);
    e.top5 = double(hits5) / double(count);
  }
  return e;
}

}  // namespace ds
