// Reading COCO instances JSON (ground truth) and COCO results JSON (detections) into the evaluator's types,
// and writing evaluation results as JSON. Malformed input is an InputError naming the file and JSON path.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/eval/coco_eval.h"

namespace ds {

// A COCO instances file: "images" [{id}], "categories" [{id, name?}], "annotations" [{id, image_id,
// category_id, bbox [x,y,w,h], area, iscrowd?}]. The "ignore" field is not read: pycocotools replaces it by
// iscrowd. Every other field is ignored.
CocoGroundTruth read_coco_instances(const std::string& path);
CocoGroundTruth parse_coco_instances(const nlohmann::json& doc, const std::string& source);

// A COCO results file: a list of {image_id, category_id, bbox [x,y,w,h], score}; other fields are ignored
// (COCO.loadRes recomputes id, area and iscrowd).
std::vector<DtAnnotation> read_coco_results(const std::string& path);
std::vector<DtAnnotation> parse_coco_results(const nlohmann::json& doc, const std::string& source);

// {"stats": {"AP": .., ..., "ARl": ..}, "per_category_AP": {"<id>": ..}, "per_category_AP50": {"<id>": ..}},
// the layout of the fixtures' expected.json.
nlohmann::ordered_json coco_eval_to_json(const CocoEvalResult& result);

}  // namespace ds
