// `sweep eval`: COCO bbox evaluation of a results JSON against an instances JSON (pycocotools' 12-line summary,
// per-category AP) plus darknet's `detector map` mAP@0.5, printed as a table and written as JSON.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "core/eval/coco_eval.h"
#include "core/eval/coco_json.h"
#include "core/eval/voc_map.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {

namespace {

// "0.455" or "-1" (nothing to measure), for the per-category table.
std::string cell(double v) {
  char s[32];
  std::snprintf(s, sizeof s, v > -1 ? "%.3f" : "%.0f", v);
  return s;
}

std::string category_name(const CocoGroundTruth& gt, int64_t id) {
  for (size_t i = 0; i < gt.category_ids.size(); ++i)
    if (gt.category_ids[i] == id) return gt.category_names[i];
  return "";
}

// One row per category: COCO AP, AP50, darknet AP, ground-truth and detection counts.
std::string category_table(const CocoGroundTruth& gt, const CocoEvalResult& coco, const DarknetMapResult& dn) {
  std::string text = "\n category                         AP   AP50  darknet-AP    GT    DT\n";
  char line[160];
  for (size_t k = 0; k < coco.category_ids.size(); ++k) {
    const std::string label = std::to_string(coco.category_ids[k]) + " " + category_name(gt, coco.category_ids[k]);
    std::snprintf(line, sizeof line, " %-28.28s %6s %6s %11.3f %5d %5d\n", label.c_str(),
                  cell(coco.per_category_ap[k]).c_str(), cell(coco.per_category_ap50[k]).c_str(), dn.ap[k],
                  dn.num_gt[k], dn.num_dt[k]);
    text += line;
  }
  return text;
}

std::string darknet_line(const DarknetMapResult& dn) {
  char line[200];
  const std::string how = dn.params.map_points == 0 ? std::string("area under the curve")
                                                    : std::to_string(dn.params.map_points) + " recall points";
  std::snprintf(line, sizeof line, "\n darknet mAP@%0.2f (%s) = %f\n", dn.params.iou_threshold, how.c_str(), dn.map);
  return line;
}

nlohmann::ordered_json darknet_json(const DarknetMapResult& dn) {
  nlohmann::ordered_json per = nlohmann::ordered_json::object();
  for (size_t k = 0; k < dn.category_ids.size(); ++k) per[std::to_string(dn.category_ids[k])] = dn.ap[k];
  return {{"iou_threshold", dn.params.iou_threshold},
          {"map_points", dn.params.map_points},
          {"mAP", dn.map},
          {"per_category_AP", per}};
}

}  // namespace

int cmd_eval(const Argv& argv) {
  Args args("eval", argv, {"gt", "dt", "json", "map-points"});
  if (!args.positional().empty())
    throw InputError("sweep eval: unexpected argument '" + args.positional()[0] +
                     "'; usage: sweep eval --gt GT.json --dt DT.json [--json OUT.json] [--map-points 0|11|101]");
  const std::string gt_path = args.require("gt"), dt_path = args.require("dt");
  DarknetMapParams dn_params;
  dn_params.map_points = args.get_int("map-points", 0);
  if (dn_params.map_points < 0 || dn_params.map_points == 1)
    throw InputError("sweep eval: --map-points must be 0 (area under the curve, darknet's default), 11 or 101, got " +
                     std::to_string(dn_params.map_points));

  const CocoGroundTruth gt = read_coco_instances(gt_path);
  const std::vector<DtAnnotation> dt = read_coco_results(dt_path);
  CocoEvalResult coco;
  try {
    coco = evaluate_coco(gt, dt);
  } catch (const InputError& e) {  // a detection of an image the ground truth lacks
    throw InputError(dt_path + ": " + e.what() + " " + gt_path);
  }
  const DarknetMapResult dn = darknet_map(gt, dt, dn_params);

  std::printf("%s", format_coco_summary(coco).c_str());
  std::printf("%s", category_table(gt, coco, dn).c_str());
  std::printf("%s", darknet_line(dn).c_str());
  if (coco.num_detections_skipped > 0)
    std::printf(" note: %zu detections of categories %s does not list were ignored\n", coco.num_detections_skipped,
                gt_path.c_str());

  nlohmann::ordered_json out = coco_eval_to_json(coco);
  out["darknet"] = darknet_json(dn);
  out["num_detections"] = coco.num_detections_used;
  out["num_detections_ignored"] = coco.num_detections_skipped;
  if (args.has("json")) {
    write_file_atomically(args.get("json", ""), out.dump(1) + "\n");
    std::printf(" wrote %s\n", args.get("json", "").c_str());
  } else {
    std::printf("\n%s\n", out.dump(1).c_str());
  }
  return kExitOk;
}

}  // namespace ds
