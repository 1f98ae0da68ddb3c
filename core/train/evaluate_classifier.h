// Evaluation of a classifier on a validation Dataset: darknet's validate_classifier_single preprocessing
// (shorter side to the network width, centre crop), one forward pass per mini-batch, top-1 and top-5.
#pragma once
#include <cstddef>
#include <vector>

#include "core/data/dataset.h"
#include "core/nn/network.h"

namespace ds {

struct ClassifierEval {
  double top1 = 0, top5 = 0;  // fractions of the images whose class is the best / among the 5 best
  size_t images = 0;
};

// The probabilities are those of layer `output_layer`; `classes` is the class of each image of `val`.
// max_images 0: all of them.
ClassifierEval evaluate_classifier(Network& net, size_t output_layer, const Dataset& val,
                                   const std::vector<int>& classes, int max_images);

}  // namespace ds
