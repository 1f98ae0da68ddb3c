// Classifier loss and accuracy: darknet's soft class targets (fill_truth_smooth), the softmax cross-entropy
// delta (softmax_x_ent_cpu), the [cost] layer's sum-of-squares delta (l2_cpu) and top-k hits.
//
// targets    t_c = 1 - eps for the true class, eps / (K - 1) for each other one (darknet's fill_truth_smooth;
//            eps = [net] label_smooth_eps; 0 gives one-hot)
// softmax    loss = -sum_c t_c log p_c   delta_c = t_c - p_c  (= -dloss/dx_c for p = softmax(x), sum t = 1)
//            darknet reports sum over {c : t_c != 0} of -log p_c instead; the delta, which is what trains, is
//            the same. We report the cross-entropy whose gradient the delta is.
// sse        loss = sum_c (t_c - y_c)^2   delta_c = t_c - y_c  (darknet's l2_cpu: no factor 2)
#pragma once
#include <cstddef>
#include <vector>

namespace ds {

// The K soft targets of class `cls` with label smoothing `eps`.
std::vector<float> smoothed_targets(int cls, int classes, float eps);

// For n rows of K probabilities and targets: writes the cross-entropy delta (t - p) into `delta`
// (overwriting) and returns the loss summed over the rows.
double softmax_cross_entropy(const float* probs, const float* targets, float* delta, size_t n, size_t classes);

// darknet's [cost] type=sse: delta = t - y (overwriting), returns the summed squared error.
double sum_squared_error(const float* outputs, const float* targets, float* delta, size_t n, size_t classes);

// Whether `cls` is among the k highest of `scores` (ties broken towards the lower index, as a stable sort).
bool in_top_k(const float* scores, size_t classes, int cls, int k);

}  // namespace ds
