// Detector evaluation: batched inference over validation images, decoding, NMS, COCO + darknet metrics.
#include "core/train/evaluate.h"

#include <algorithm>

#include "core/data/augment.h"
#include "core/data/image.h"
#include "core/eval/voc_map.h"
#include "core/nn/detections.h"
#include "core/train/yolo_heads.h"

namespace ds {
namespace {

struct ImageDetections {
  int64_t image_id = 0;
  int width = 0, height = 0;
  std::vector<Detection> dets;
};

// Inference over images [0, count) of `data`, one mini-batch at a time.
std::vector<ImageDetections> run_inference(Network& net, const Dataset& data, size_t count, const EvalOptions& o) {
  const Shape in = net.input_shape();
  const int batch = net.mini_batch();
  std::vector<YoloHead> heads = yolo_heads(net);
  std::vector<ImageDetections> out;
  std::vector<float> x(size_t(batch) * in.size());
  for (size_t start = 0; start < count; start += size_t(batch)) {
    const size_t n = std::min(count - start, size_t(batch));
    std::fill(x.begin(), x.end(), 0.f);
    std::vector<ImageDetections> chunk(n);
    for (size_t k = 0; k < n; ++k) {
      Image img = load_image(data.images[start + k]);
      chunk[k] = {data.image_ids.empty() ? int64_t(start + k + 1) : data.image_ids[start + k], img.w, img.h, {}};
      Image sized = resize_for_validation(SourceImage{std::move(img), {}}, o.letterbox, in.w, in.h).image;
      std::copy(sized.data.begin(), sized.data.end(), x.begin() + long(k * in.size()));
    }
    net.forward(x.data(), /*train=*/false);
    for (size_t k = 0; k < n; ++k) {
      int classes = 0;
      for (const YoloHead& h : heads) {
        const YoloLossParams p = h.yolo->loss_params();
        classes = p.classes;
        auto d = yolo_detections(p, net.output(h.layer), int(k), in.w, in.h, chunk[k].width, chunk[k].height,
                                 o.letterbox, o.thresh);
        chunk[k].dets.insert(chunk[k].dets.end(), d.begin(), d.end());
      }
      if (!heads.empty()) {
        const YoloOptions& yo = heads.back().yolo->options;
        nms(chunk[k].dets, classes, o.nms, yo.nms_kind, yo.beta_nms);
      }
    }
    for (auto& c : chunk) out.push_back(std::move(c));
  }
  return out;
}

// darknet's validate_detector output: one COCO result per (detection, class with non-zero probability).
std::vector<DtAnnotation> to_results(const std::vector<ImageDetections>& images, const Dataset& data) {
  std::vector<DtAnnotation> results;
  for (const ImageDetections& im : images)
    for (const Detection& d : im.dets)
      for (size_t k = 0; k < d.prob.size(); ++k) {
        if (d.prob[k] <= 0) continue;
        DtAnnotation r;
        r.image_id = im.image_id;
        r.category_id = data.category_ids.empty() ? int64_t(k) : data.category_ids[k];
        double w = double(d.box.w) * im.width, h = double(d.box.h) * im.height;
        double x = double(d.box.x) * im.width - w / 2, y = double(d.box.y) * im.height - h / 2;
        // Clip to the image as darknet's print_cocos does.
        double x1 = std::max(0.0, x), y1 = std::max(0.0, y);
        double x2 = std::min(double(im.width), x + w), y2 = std::min(double(im.height), y + h);
        r.bbox = {x1, y1, std::max(0.0, x2 - x1), std::max(0.0, y2 - y1)};
        r.score = d.prob[k];
        results.push_back(r);
      }
  return results;
}

CocoGroundTruth ground_truth_of(const std::vector<ImageDetections>& images, const Dataset& data) {
  CocoGroundTruth gt;
  for (size_t k = 0; k < size_t(data.classes); ++k) {
    gt.category_ids.push_back(data.category_ids.empty() ? int64_t(k) : data.category_ids[k]);
    gt.category_names.push_back(k < data.class_names.size() ? data.class_names[k] : "");
  }
  int64_t next_id = 1;
  for (size_t i = 0; i < images.size(); ++i) {
    const ImageDetections& im = images[i];
    gt.image_ids.push_back(im.image_id);
    for (const TruthBox& t : data.labels[i]) {
      GtAnnotation a;
      a.id = next_id++;
      a.image_id = im.image_id;
      a.category_id = gt.category_ids.at(size_t(t.cls));
      a.bbox = {(double(t.x) - t.w / 2.0) * im.width, (double(t.y) - t.h / 2.0) * im.height,
                double(t.w) * im.width, double(t.h) * im.height};
      a.area = a.bbox.w * a.bbox.h;
      gt.annotations.push_back(a);
    }
  }
  return gt;
}

}  // namespace

EvalOutput evaluate_detector(Network& net, const Dataset& val, const EvalOptions& o) {
  size_t count = val.images.size();
  if (o.max_images > 0) count = std::min(count, size_t(o.max_images));
  std::vector<ImageDetections> images = run_inference(net, val, count, o);
  EvalOutput out;
  out.results = to_results(images, val);
  out.ground_truth = ground_truth_of(images, val);
  CocoEvalResult coco = evaluate_coco(out.ground_truth, out.results);
  for (size_t i = 0; i < kCocoStatNames.size(); ++i) out.metrics[kCocoStatNames[i]] = coco.stats[i];
  out.metrics["mAP50_darknet"] = darknet_map(out.ground_truth, out.results).map;
  out.metrics["images"] = count;
  return out;
}

std::vector<DtAnnotation> detect_images(Network& net, const Dataset& images, const EvalOptions& o) {
  return to_results(run_inference(net, images, images.images.size(), o), images);
}

}  // namespace ds
