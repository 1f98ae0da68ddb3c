// [yolo] and [Gaussian_yolo] on the GPU (YoloLayer, core/layers/yolo.h; its loss, core/nn/yolo_loss.h). Forward
// activates the head on the device; with truths it then computes darknet's deltas as yolo_deltas does, in phases:
//   1. every prediction's objectness delta on the device, one thread per prediction (the CPU's yolo_objectness);
//      predictions past truth_thresh come back as a short list of positives;
//   2-3. the cells that positives and truths' assignments touch (yolo_touched_cells: known from the positives, the
//      truths and the anchors) are gathered, trained on the host by the CPU's own code (yolo_cell_deltas, which
//      yolo_deltas runs the same way) and scattered back: a few cells per truth, not the head;
//   4. the sums of squared deltas on the device.
// The loss terms go to the CPU layer's last_loss, where the trainer reads them. Backward: dx += dout on the device.
#include <algorithm>

#include "core/cuda/cuda_network.h"
#include "core/cuda/device_array.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/cuda/yolo_kernels.h"
#include "core/layers/yolo.h"

namespace ds::cuda {
namespace {

class YoloOp : public Op {
 public:
  YoloOp(Network& net, size_t index) : layer_(dynamic_cast<YoloLayer&>(net.host().layer(index))) {
    std::vector<float> anchors;  // w, h of each slot of the mask
    for (int m : layer_.options.mask)
      anchors.insert(anchors.end(), {layer_.options.anchors[2 * size_t(m)], layer_.options.anchors[2 * size_t(m) + 1]});
    anchors_.upload(anchors);
  }

  void forward(const ForwardArgs& a) override {
    const YoloOptions& o = layer_.options;
    const YoloLossParams p = layer_.loss_params();
    const YoloHeadShape g = yolo_head(p, a.out.shape, layer_.net_w, layer_.net_h);
    yolo_activate(g, o.gaussian, o.new_coords, o.scale_x_y, a.in[0].data, a.out.data);
    layer_.last_loss = {};
    if (a.truths && a.out_delta.data)  // as YoloLayer::forward
      layer_.last_loss = deltas(a, p, g, *a.truths);
  }

  void backward(const BackwardArgs& a) override {
    if (a.in_delta.empty() || !a.in_delta[0].data) return;
    copy_blocks(1, a.out_delta.size(), a.out_delta.data, 0, 0, a.in_delta[0].data, 0, 0, true);
  }

 private:
  // yolo_deltas' phases (yolo_loss.h) on the head's activated output a.out into a.out_delta (zeroed by the network).
  YoloLossReport deltas(const ForwardArgs& a, const YoloLossParams& p, const YoloHeadShape& g,
                        const std::vector<std::vector<TruthBox>>& truths) {

    // 1. On the device, against the mini-batch's truths (flattened, image b's from offsets[b]).
    std::vector<TruthBox> flat;
    std::vector<int> offsets = {0};
    for (int b = 0; b < g.batch; ++b) {
      const std::vector<TruthBox>& t = truths.at(size_t(b));
      flat.insert(flat.end(), t.begin(), t.end());
      offsets.push_back(int(flat.size()));
    }
    truths_.upload(flat);
    offsets_.upload(offsets);
    positives_.reserve(g.predictions());
    positive_count_.reserve(1);
    DS_CUDA_CHECK(cudaMemset(positive_count_.data(), 0, sizeof(int)));
    const YoloObjectnessArgs args{g, objectness_params(p), p.truth_thresh};
    yolo_objectness_deltas(args, a.out.data, anchors_.data(), truths_.data(), offsets_.data(), a.out_delta.data,
                           positives_.data(), positive_count_.data());
    std::vector<YoloPositive> positives = positives_.download(size_t(positive_count_.download(1)[0]));
    std::sort(positives.begin(), positives.end(),  // the kernel appends them in any order
              [](const YoloPositive& x, const YoloPositive& y) { return x.prediction < y.prediction; });

    // 2-3. On the host, on the cells they touch, gathered.
    YoloLossReport rep;
    const YoloTouchedCells cells = yolo_touched_cells(p, g, truths, positives);
    if (!cells.bases.empty()) {
      const size_t n = cells.bases.size(), values = n * g.entries();
      bases_.upload(cells.bases);
      cell_out_.reserve(values);
      cell_delta_.reserve(values);
      yolo_gather(n, g.entries(), g.plane(), bases_.data(), a.out.data, cell_out_.data());
      yolo_gather(n, g.entries(), g.plane(), bases_.data(), a.out_delta.data, cell_delta_.data());
      const std::vector<float> out = cell_out_.download(values);
      std::vector<float> delta = cell_delta_.download(values);
      yolo_cell_deltas(p, g, truths, positives, cells, out.data(), delta.data(), rep);
      cell_delta_.upload(delta);
      yolo_scatter(n, g.entries(), g.plane(), bases_.data(), cell_delta_.data(), a.out_delta.data);
    }

    // 4. On the device.
    sums_.reserve(3 * kYoloSumBlocks);
    const YoloSums s = yolo_loss_sums(g, p.iou_loss == IouLoss::mse, p.gaussian, a.out_delta.data, sums_.data());
    rep.box += s.box;
    rep.obj += s.obj;
    rep.cls += s.cls;
    return rep;
  }

  YoloLayer& layer_;
  DeviceArray<float> anchors_;
  DeviceArray<TruthBox> truths_;
  DeviceArray<int> offsets_, positive_count_;
  DeviceArray<YoloPositive> positives_;
  DeviceArray<long long> bases_;
  DeviceArray<float> cell_out_, cell_delta_;
  DeviceArray<double> sums_;
};

}  // namespace

std::unique_ptr<Op> make_yolo_op(Network& net, size_t layer) { return std::make_unique<YoloOp>(net, layer); }

}  // namespace ds::cuda
