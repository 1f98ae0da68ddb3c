// `sweep anchors`: optimised anchors (OA) for a darknet list by k-means with IoU distance (darknet's
// `detector calc_anchors`), printed in cfg syntax with their mean IoU, and as one JSON line.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/data/anchors.h"
#include "core/data/dataset.h"
#include "core/util/error.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {

namespace {

const char* kHelp =
    "usage: sweep anchors --data LIST [--num 9] [--size 512 | --width W --height H] [--seed 0] [--attempts 1]\n"
    "                     [--classes K] [--compare 'w,h, w,h, ...']\n"
    "  k-means (distance 1 - IoU, darknet's detector calc_anchors) on the widths and heights of the boxes of a\n"
    "  darknet list, scaled to the network input. Prints 'anchors = w,h, ...' (sorted by area, whole pixels),\n"
    "  'mean IoU = ...' (mean IoU of each box with its best anchor), the same for --compare anchors when\n"
    "  given, and one JSON line.\n";

nlohmann::ordered_json anchors_json(const std::vector<BoxSize>& anchors) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (const BoxSize& b : anchors) a.push_back(int(b.w)), a.push_back(int(b.h));
  return a;
}

}  // namespace

int cmd_anchors(const Argv& argv) {
  for (const auto& a : argv)
    if (a == "--help" || a == "-h") return std::fputs(kHelp, stdout), kExitOk;
  Args args("anchors", argv, {"data", "num", "size", "width", "height", "seed", "attempts", "classes", "compare"});
  const std::string list = args.require("data");
  const int num = args.get_int("num", 9);
  const int size = args.get_int("size", 512);
  const int width = args.get_int("width", size), height = args.get_int("height", size);
  if (num <= 0 || width <= 0 || height <= 0) throw InputError("sweep anchors: --num, --size/--width/--height must be > 0");

  const Dataset data = read_darknet_list(list, args.get_int("classes", 0));
  const std::vector<BoxSize> boxes = box_sizes(data, width, height);
  const AnchorResult r =
      kmeans_anchors(boxes, num, uint64_t(args.get_int("seed", 0)), args.get_int("attempts", 1));
  // The cfg gets whole pixels, so the reported IoU is that of the rounded anchors.
  const std::vector<BoxSize> anchors = round_anchors(r.anchors);
  const float iou = mean_best_iou(boxes, anchors);

  std::printf("anchors = %s\n", format_anchors(anchors).c_str());
  std::printf("mean IoU = %.4f  (%d boxes from %zu images at %dx%d, %d iterations)\n", iou, r.boxes,
              data.images.size(), width, height, r.iterations);
  nlohmann::ordered_json out = {{"anchors", anchors_json(anchors)}, {"mean_iou", iou}, {"boxes", r.boxes},
                                {"images", data.images.size()},     {"num", num},      {"width", width},
                                {"height", height},                  {"seed", args.get_int("seed", 0)}};
  if (args.has("compare")) {
    const std::vector<BoxSize> other = parse_anchors(args.get("compare", ""), "sweep anchors: --compare");
    const float other_iou = mean_best_iou(boxes, other);
    std::printf("compare anchors = %s\nmean IoU = %.4f\n", format_anchors(other).c_str(), other_iou);
    out["compare"] = {{"anchors", anchors_json(other)}, {"mean_iou", other_iou}};
  }
  std::cout << out.dump() << std::endl;
  return kExitOk;
}

}  // namespace ds
