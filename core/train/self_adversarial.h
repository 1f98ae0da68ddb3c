// Self-adversarial training (SAT, `[net] adversarial_lr`), the pass that the detector and the classifier
// trainers run before a mini-batch's normal forward + backward, with darknet's semantics
// (network_kernels.cu: train_network_datum_gpu, forward_backward_network_gpu, backward_network_gpu):
//
//   when adversarial_lr != 0 and iteration > burn_in, on a coin flip (rand_int(0, 1) == 1):
//     step = adversarial_lr · iteration / max_batches
//     forward + backward of the mini-batch in training mode with an EMPTY truth (detector: no objects;
//     classifier: an all-zero label vector), down to the network input: d = delta of the input (-dL/dx)
//     x ← clamp(x + step · d, 0, 1)          (axpy_ongpu + constrain_min_max_ongpu)
//   then the usual forward + backward on the modified x with the real truth.
// So the image is changed, by a step growing over the training, so that the network sees less of what it
// should find in it (for the detector: lower objectness everywhere), and the network is trained on that image.
//
// Where darksweep deliberately differs from darknet:
// - The adversarial pass changes nothing but the image. darknet's backward_network_gpu accumulates the pass's
//   weight gradients into the *_updates that update_network_gpu applies after the subdivisions (training the
//   weights toward "no objects", an unintended side effect), and its forward_batchnorm_layer_gpu moves the
//   rolling mean/variance and, for CmBN (batch_normalize=2), folds the adversarial mini-batch into the
//   batch's pooled statistics (fast_v_cbn_gpu's m_cbn_avg/v_cbn_avg). Here the gradient buffer is saved before
//   the pass and restored after it, and the pass runs with Network::freeze_statistics (batch norm still
//   normalises with the batch statistics of training mode, darknet's state.train = 1, but moves neither the
//   rolling averages nor the CmBN accumulators). The normal pass that follows sees the model exactly as it would
//   without SAT.
// - The test order: darknet draws the coin first (`adversarial_lr && rand_int(0, 1) == 1 && iteration >
//   burn_in`); darksweep checks iteration > burn_in first, so during burn-in no draw is taken from the trainer's
//   Rng and the run is bit-identical to one without SAT. darknet's rand() is unseeded and not checkpointed;
//   ours is the trainer's seeded Rng, saved in the checkpoint, so SAT runs resume bit-identically.
// - iteration is the trainer's iteration count before this batch's update (darknet's get_current_iteration,
//   *net.cur_iteration).
// - darknet shows the modified image in an OpenCV window and supports `contrastive` (odd images restored);
//   neither is here.
#pragma once
#include <cstdint>
#include <functional>

#include "core/nn/network.h"
#include "core/util/rng.h"

namespace ds {

// Whether SAT runs on this mini-batch: adversarial_lr != 0, iteration > burn_in, then the coin flip
// rng.uniform_int(0, 1) == 1 (drawn only when the first two hold).
bool self_adversarial_due(const NetOptions& net, int64_t iteration, Rng& rng);

// adversarial_lr · iteration / max_batches (darknet's net.learning_rate during the adversarial pass).
float self_adversarial_step(const NetOptions& net, int64_t iteration);

// The adversarial pass on `input` (net.mini_batch() images of the network's input shape, in place):
// `forward_empty_truth(input)` must run the network's training forward on `input` with an empty truth and leave
// the loss deltas in the network (the detector passes empty truth lists to forward, which makes its [yolo]
// layers write their deltas; the classifier writes its loss deltas for all-zero targets after forward). Then
// backward down to the input, input += step · input delta, clamped to [0, 1]. The network's gradients, rolling
// statistics and CmBN accumulators are as before the call.
void self_adversarial_pass(Network& net, float* input, float step,
                           const std::function<void(const float* input)>& forward_empty_truth);

}  // namespace ds
