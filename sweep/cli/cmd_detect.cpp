// `sweep detect`: runs a trained detector over a list of images and writes COCO results JSON.
#include <cstdio>

#include "core/data/dataset.h"
#include "core/nn/weights_io.h"
#include "core/train/evaluate.h"
#include "core/train/yolo_heads.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {

int cmd_detect(const Argv& argv) {
  Args args("detect", argv, {"cfg", "weights", "list", "out", "thresh", "nms", "batch"});
  Cfg cfg = parse_cfg_file(args.require("cfg"));
  Network net(cfg, args.get_int("batch", 4));
  load_weights(net, args.require("weights"));
  std::vector<YoloHead> heads = yolo_heads(net);
  if (heads.empty()) throw InputError(args.get("cfg", "") + ": no [yolo] layer to detect with");
  Dataset images = read_darknet_list(args.require("list"), heads.front().yolo->options.classes);
  EvalOptions o;
  o.thresh = float(args.get_double("thresh", 0.005));
  o.nms = float(args.get_double("nms", 0.45));
  o.letterbox = net.options().letter_box != 0;
  std::vector<DtAnnotation> results = detect_images(net, images, o);
  nlohmann::json out = nlohmann::json::array();
  for (const DtAnnotation& r : results)
    out.push_back({{"image_id", r.image_id}, {"category_id", r.category_id},
                   {"bbox", {r.bbox.x, r.bbox.y, r.bbox.w, r.bbox.h}}, {"score", r.score}});
  write_file_atomically(args.require("out"), out.dump() + "\n");
  std::printf("wrote %zu detections for %zu images to %s\n", results.size(), images.images.size(),
              args.get("out", "").c_str());
  return kExitOk;
}

}  // namespace ds
