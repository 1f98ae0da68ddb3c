// Classifier targets, losses and top-k hits (see classifier_loss.h).
#include "core/nn/classifier_loss.h"

#include <cmath>

namespace ds {

std::vector<float> smoothed_targets(int cls, int classes, float eps) {
  std::vector<float> t(size_t(classes), classes > 1 ? eps / float(classes - 1) : 0.f);
  t.at(size_t(cls)) = 1.f - eps;
  return t;
}

double softmax_cross_entropy(const float* probs, const float* targets, float* delta, size_t n, size_t classes) {
  double loss = 0;
  for (size_t i = 0; i < n * classes; ++i) {
    delta[i] = targets[i] - probs[i];
    if (targets[i] != 0.f) loss -= double(targets[i]) * std::log(std::max(double(probs[i]), 1e-30));
  }
  return loss;
}

double sum_squared_error(const float* outputs, const float* targets, float* delta, size_t n, size_t classes) {
  double loss = 0;
  for (size_t i = 0; i < n * classes; ++i) {
    delta[i] = targets[i] - outputs[i];
    loss += double(delta[i]) * delta[i];
  }
  return loss;
}

bool in_top_k(const float* scores, size_t classes, int cls, int k) {
  // cls is in the top k when fewer than k classes rank above it.
  int above = 0;
  for (size_t c = 0; c < classes; ++c)
    if (scores[c] > scores[cls] || (scores[c] == scores[cls] && int(c) < cls)) ++above;
  return above < k;
}

}  // namespace ds
