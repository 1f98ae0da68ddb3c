// COCO instances / results JSON readers (nlohmann::json) with errors that name the file and the JSON path,
// and the JSON form of an evaluation result.
#include "core/eval/coco_json.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/util/json_file.h"

namespace ds {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& path, const std::string& what) {
  throw InputError(source + ": " + (path.empty() ? std::string() : path + ": ") + what);
}

const char* type_name(const json& v) { return v.type_name(); }

// obj[key], which must exist; `path` is obj's JSON path.
const json& field(const json& obj, const char* key, const std::string& source, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end()) fail(source, path, std::string("missing \"") + key + "\"");
  return *it;
}

std::string join(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }

double as_number(const json& v, const std::string& source, const std::string& path) {
  if (!v.is_number()) fail(source, path, std::string("expected a number, got ") + type_name(v));
  return v.get<double>();
}

// An id: a JSON integer (or a float with an integral value, as some writers produce).
int64_t as_id(const json& v, const std::string& source, const std::string& path) {
  if (const std::optional<int64_t> id = json_integer(v)) return *id;
  fail(source, path, std::string("expected an integer id, got ") + (v.is_number() ? v.dump() : type_name(v)));
}

BBox as_bbox(const json& v, const std::string& source, const std::string& path) {
  if (!v.is_array() || v.size() != 4) fail(source, path, "expected 4 numbers [x, y, width, height]");
  for (const json& x : v)
    if (!x.is_number()) fail(source, path, "expected 4 numbers [x, y, width, height]");
  BBox b{v[0].get<double>(), v[1].get<double>(), v[2].get<double>(), v[3].get<double>()};
  if (b.w < 0 || b.h < 0) fail(source, path, "width and height must be >= 0, got " + v.dump());
  return b;
}

const json& array_field(const json& doc, const char* key, const std::string& source) {
  const json& a = field(doc, key, source, "");
  if (!a.is_array()) fail(source, key, std::string("expected an array, got ") + type_name(a));
  return a;
}

std::string item(const std::string& array, size_t i) { return array + "[" + std::to_string(i) + "]"; }

const json& object_at(const json& a, size_t i, const std::string& source, const std::string& path) {
  if (!a[i].is_object()) fail(source, path, std::string("expected an object, got ") + type_name(a[i]));
  return a[i];
}

GtAnnotation parse_gt_annotation(const json& a, const std::string& source, const std::string& path) {
  GtAnnotation g;
  g.id = as_id(field(a, "id", source, path), source, join(path, "id"));
  g.image_id = as_id(field(a, "image_id", source, path), source, join(path, "image_id"));
  g.category_id = as_id(field(a, "category_id", source, path), source, join(path, "category_id"));
  g.bbox = as_bbox(field(a, "bbox", source, path), source, join(path, "bbox"));
  g.area = as_number(field(a, "area", source, path), source, join(path, "area"));
  if (auto it = a.find("iscrowd"); it != a.end()) {  // pycocotools: 'iscrowd' in gt and gt['iscrowd']
    if (it->is_boolean())
      g.iscrowd = it->get<bool>();
    else
      g.iscrowd = as_number(*it, source, join(path, "iscrowd")) != 0;
  }
  return g;
}

}  // namespace

CocoGroundTruth parse_coco_instances(const json& doc, const std::string& source) {
  if (!doc.is_object())
    fail(source, "", std::string("expected a COCO instances object {images, categories, annotations}, got ") +
                         type_name(doc));
  CocoGroundTruth gt;
  const json& images = array_field(doc, "images", source);
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string path = item("images", i);
    gt.image_ids.push_back(as_id(field(object_at(images, i, source, path), "id", source, path), source,
                                 join(path, "id")));
  }
  const json& cats = array_field(doc, "categories", source);
  for (size_t i = 0; i < cats.size(); ++i) {
    const std::string path = item("categories", i);
    const json& c = object_at(cats, i, source, path);
    gt.category_ids.push_back(as_id(field(c, "id", source, path), source, join(path, "id")));
    auto name = c.find("name");
    gt.category_names.push_back(name != c.end() && name->is_string() ? name->get<std::string>() : "");
  }
  const json& anns = array_field(doc, "annotations", source);
  gt.annotations.reserve(anns.size());
  for (size_t i = 0; i < anns.size(); ++i) {
    const std::string path = item("annotations", i);
    gt.annotations.push_back(parse_gt_annotation(object_at(anns, i, source, path), source, path));
  }
  return gt;
}

std::vector<DtAnnotation> parse_coco_results(const json& doc, const std::string& source) {
  if (!doc.is_array())
    fail(source, "", std::string("expected a COCO results list [{image_id, category_id, bbox, score}], got ") +
                         type_name(doc));
  std::vector<DtAnnotation> dt;
  dt.reserve(doc.size());
  for (size_t i = 0; i < doc.size(); ++i) {
    const std::string path = item("", i);
    const json& d = object_at(doc, i, source, path);
    DtAnnotation a;
    a.image_id = as_id(field(d, "image_id", source, path), source, path + ".image_id");
    a.category_id = as_id(field(d, "category_id", source, path), source, path + ".category_id");
    a.bbox = as_bbox(field(d, "bbox", source, path), source, path + ".bbox");
    a.score = as_number(field(d, "score", source, path), source, path + ".score");
    dt.push_back(a);
  }
  return dt;
}

CocoGroundTruth read_coco_instances(const std::string& path) { return parse_coco_instances(read_json_file(path), path); }

std::vector<DtAnnotation> read_coco_results(const std::string& path) {
  return parse_coco_results(read_json_file(path), path);
}

nlohmann::ordered_json coco_eval_to_json(const CocoEvalResult& r) {
  nlohmann::ordered_json stats = nlohmann::ordered_json::object(), ap = stats, ap50 = stats;
  for (size_t i = 0; i < r.stats.size(); ++i) stats[kCocoStatNames[i]] = r.stats[i];
  for (size_t k = 0; k < r.category_ids.size(); ++k) {
    ap[std::to_string(r.category_ids[k])] = r.per_category_ap[k];
    ap50[std::to_string(r.category_ids[k])] = r.per_category_ap50[k];
  }
  return nlohmann::ordered_json{{"stats", stats}, {"per_category_AP", ap}, {"per_category_AP50", ap50}};
}

}  // namespace ds
