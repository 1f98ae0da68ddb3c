// Reading data sets: darknet image lists with .txt labels beside the images, and COCO instances JSON,
// with every bad label either an InputError naming file:line (or the JSON path) or skipped and counted.
#include "core/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/util/json_file.h"

namespace ds {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// ---------------------------------------------------------------------------------------------------
// darknet lists

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Parses a whole token as a number; false for "1x", "", "nan" and the like.
bool parse_float(const std::string& token, float& out) {
  try {
    size_t used = 0;
    out = std::stof(token, &used);
    return used == token.size() && std::isfinite(out);
  } catch (const std::exception&) {
    return false;
  }
}

bool parse_int(const std::string& token, int& out) {
  try {
    size_t used = 0;
    out = std::stoi(token, &used);
    return used == token.size();
  } catch (const std::exception&) {
    return false;
  }
}

// One label line "class cx cy w h" -> a box, or the reason it is bad. `classes` <= 0 accepts any class below
// kMaxClasses.
std::string parse_label_line(const std::string& line, int classes, TruthBox& box) {
  std::istringstream in(line);
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5)
    return "expected 5 fields 'class cx cy w h', got " + std::to_string(fields.size());
  if (!parse_int(fields[0], box.cls)) return "class '" + fields[0] + "' is not an integer";
  const int limit = classes > 0 ? classes : kMaxClasses;
  if (box.cls < 0 || box.cls >= limit)
    return "class " + fields[0] + " out of range; valid: 0.." + std::to_string(limit - 1) +
           (classes > 0 ? "" : " (at most " + std::to_string(kMaxClasses) + " classes)");
  float v[4];
  const char* names[4] = {"cx", "cy", "w", "h"};
  for (int i = 0; i < 4; ++i) {
    if (!parse_float(fields[i + 1], v[i])) return std::string(names[i]) + " '" + fields[i + 1] + "' is not a number";
    if (v[i] < 0.f || v[i] > 1.f)
      return std::string(names[i]) + " = " + fields[i + 1] + " is outside [0, 1] (coordinates are normalised)";
  }
  if (v[2] <= 0.f || v[3] <= 0.f) return "w and h must be > 0, got w = " + fields[3] + ", h = " + fields[4];
  box.x = v[0], box.y = v[1], box.w = v[2], box.h = v[3];
  return "";
}


// Reads one label file; a missing file is an image without objects.
std::vector<TruthBox> read_label_file(const fs::path& path, int classes, BadLabelPolicy policy, int& skipped,
                                      int& max_class) {
  std::vector<TruthBox> boxes;
  std::ifstream in(path);
  if (!in) return boxes;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (trim(line).empty()) continue;
    TruthBox box;
    std::string problem = parse_label_line(line, classes, box);
    if (!problem.empty()) {
      if (policy == BadLabelPolicy::error) throw InputError(at_location(path.string(), number, problem));
      ++skipped;
      continue;
    }
    max_class = std::max(max_class, box.cls);
    boxes.push_back(box);
  }
  return boxes;
}

// Class names from classes.names (or obj.names / coco.names) beside the list, one per line, when present.
std::vector<std::string> read_names_beside(const fs::path& dir) {
  std::vector<std::string> names;
  for (const char* file : {"classes.names", "obj.names", "coco.names"}) {
    std::ifstream in(dir / file);
    if (!in) continue;
    for (std::string line; std::getline(in, line);)
      if (!trim(line).empty()) names.push_back(trim(line));
    break;
  }
  return names;
}

// Fills class_names / category_ids for a darknet list: names from a names file when it has one per class.
void name_classes(Dataset& d, const fs::path& dir) {
  std::vector<std::string> names = read_names_beside(dir);
  for (int k = 0; k < d.classes; ++k) {
    d.category_ids.push_back(k);
    d.class_names.push_back(names.size() == size_t(d.classes) ? names[k] : std::to_string(k));
  }
}

// ---------------------------------------------------------------------------------------------------
// COCO instances JSON

// Where in the JSON a value sits, for messages like "instances.json: annotations[12].bbox: ...".
struct JsonSite {
  const std::string& file;
  std::string path;
  InputError error(const std::string& message) const {
    return InputError(file + ": " + (path.empty() ? "" : path + ": ") + message);
  }
  JsonSite index(size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
  JsonSite key(const std::string& k) const { return {file, path.empty() ? k : path + "." + k}; }
};

const json& require_key(const json& object, const std::string& key, const JsonSite& site) {
  if (!object.is_object()) throw site.error("expected an object");
  auto it = object.find(key);
  if (it == object.end()) throw site.key(key).error("missing");
  return *it;
}

const json& require_array(const json& object, const std::string& key, const JsonSite& site) {
  const json& v = require_key(object, key, site);
  if (!v.is_array()) throw site.key(key).error(std::string("expected an array, got ") + v.type_name());
  return v;
}

int64_t require_id(const json& object, const std::string& key, const JsonSite& site) {
  const json& v = require_key(object, key, site);
  if (const std::optional<int64_t> id = json_integer(v)) return *id;
  throw site.key(key).error("expected an integer, got " + v.dump());
}

struct CocoImage {
  size_t index;  // position in Dataset
  int width, height;
};

// Categories sorted by id -> contiguous class indices (the order darknet's coco tools use).
std::map<int64_t, int> read_categories(const json& doc, const JsonSite& root, Dataset& d) {
  const json& cats = require_array(doc, "categories", root);
  std::map<int64_t, std::string> by_id;
  for (size_t i = 0; i < cats.size(); ++i) {
    JsonSite site = root.key("categories").index(i);
    int64_t id = require_id(cats[i], "id", site);
    std::string name = std::to_string(id);
    if (auto it = cats[i].find("name"); it != cats[i].end() && it->is_string()) name = it->get<std::string>();
    if (!by_id.emplace(id, name).second) throw site.key("id").error("duplicate category id " + std::to_string(id));
  }
  std::map<int64_t, int> index;
  for (const auto& [id, name] : by_id) {
    index[id] = d.classes++;
    d.category_ids.push_back(int(id));
    d.class_names.push_back(name);
  }
  return index;
}

// One images[i] entry; returns false (with policy skip) when it is bad or its file is missing.
bool read_coco_image(const json& entry, const JsonSite& site, const fs::path& image_dir, BadLabelPolicy policy,
                     Dataset& d, std::map<int64_t, CocoImage>& images) {
  try {
    int64_t id = require_id(entry, "id", site);
    const json& name = require_key(entry, "file_name", site);
    if (!name.is_string()) throw site.key("file_name").error("expected a string");
    int64_t w = require_id(entry, "width", site), h = require_id(entry, "height", site);
    if (w <= 0 || h <= 0) throw site.error("width and height must be > 0");
    if (images.count(id)) throw site.key("id").error("duplicate image id " + std::to_string(id));
    fs::path file = image_dir / name.get<std::string>();
    if (!fs::exists(file)) throw site.key("file_name").error(file.string() + ": image not found");
    images[id] = {d.images.size(), int(w), int(h)};
    d.images.push_back(file.string());
    d.image_ids.push_back(int(id));
    d.labels.emplace_back();
    return true;
  } catch (const InputError&) {
    if (policy == BadLabelPolicy::error) throw;
    ++d.skipped;
    return false;
  }
}

// A pixel bbox [x, y, w, h] -> a normalised centre box (clipped to the image, as darknet's coco labels are).
TruthBox coco_bbox_to_truth(const json& bbox, const JsonSite& site, const CocoImage& im) {
  if (!bbox.is_array() || bbox.size() != 4) throw site.error("expected [x, y, w, h], got " + bbox.dump());
  double v[4];
  for (int i = 0; i < 4; ++i) {
    if (!bbox[i].is_number()) throw site.error("expected 4 numbers, got " + bbox.dump());
    v[i] = bbox[i].get<double>();
  }
  if (v[2] <= 0 || v[3] <= 0) throw site.error("w and h must be > 0, got " + bbox.dump());
  double x0 = std::max(0.0, v[0]), y0 = std::max(0.0, v[1]);
  double x1 = std::min(double(im.width), v[0] + v[2]), y1 = std::min(double(im.height), v[1] + v[3]);
  if (x1 <= x0 || y1 <= y0)
    throw site.error("box " + bbox.dump() + " lies outside the image (" + std::to_string(im.width) + "x" +
                     std::to_string(im.height) + ")");
  TruthBox t;
  t.x = float((x0 + x1) / 2 / im.width), t.y = float((y0 + y1) / 2 / im.height);
  t.w = float((x1 - x0) / im.width), t.h = float((y1 - y0) / im.height);
  return t;
}

// One annotations[i] entry -> a truth of its image (crowd regions are not training truths).
void read_coco_annotation(const json& a, const JsonSite& site, const std::map<int64_t, CocoImage>& images,
                          const std::set<int64_t>& skipped_images, const std::map<int64_t, int>& classes,
                          BadLabelPolicy policy, Dataset& d) {
  try {
    int64_t image_id = require_id(a, "image_id", site);
    if (skipped_images.count(image_id)) return;  // its image was skipped (and counted) already
    auto im = images.find(image_id);
    if (im == images.end()) throw site.key("image_id").error("no image with id " + std::to_string(image_id));
    int64_t category = require_id(a, "category_id", site);
    auto cls = classes.find(category);
    if (cls == classes.end()) throw site.key("category_id").error("no category with id " + std::to_string(category));
    TruthBox t = coco_bbox_to_truth(require_key(a, "bbox", site), site.key("bbox"), im->second);
    if (auto crowd = a.find("iscrowd"); crowd != a.end()) {
      if (!crowd->is_number() && !crowd->is_boolean()) throw site.key("iscrowd").error("expected 0 or 1");
      if ((crowd->is_boolean() && crowd->get<bool>()) || (crowd->is_number() && crowd->get<double>() != 0)) return;
    }
    t.cls = cls->second;
    d.labels[im->second.index].push_back(t);
  } catch (const InputError&) {
    if (policy == BadLabelPolicy::error) throw;
    ++d.skipped;
  }
}

}  // namespace

// darknet's replace_image_to_label, as far as darksweep's lists need it (dataset.h).
std::string label_path_for(const std::string& image_path) {
  const fs::path image(image_path);
  fs::path beside = image;
  beside.replace_extension(".txt");
  if (fs::exists(beside)) return beside.string();
  std::string s = beside.string();
  for (const char* dir : {"/images/", "/JPEGImages/"}) {
    if (auto at = s.rfind(dir); at != std::string::npos) {
      fs::path alt = s.substr(0, at) + "/labels/" + s.substr(at + std::string(dir).size());
      if (fs::exists(alt)) return alt.string();
    }
  }
  return beside.string();
}

Dataset read_darknet_list(const std::string& list_path, int classes, BadLabelPolicy policy) {
  std::ifstream in(list_path);
  if (!in) throw InputError(list_path + ": cannot open image list (missing or unreadable)");
  Dataset d;
  d.source = list_path;
  const fs::path dir = fs::path(list_path).parent_path();
  int max_class = -1;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string entry = trim(line);
    if (entry.empty()) continue;
    fs::path image = fs::path(entry).is_absolute() ? fs::path(entry) : dir / entry;
    if (!fs::exists(image)) {
      if (policy == BadLabelPolicy::error)
        throw InputError(at_location(list_path, number, "image not found: " + image.string()));
      ++d.skipped;
      continue;
    }
    d.labels.push_back(read_label_file(label_path_for(image), classes, policy, d.skipped, max_class));
    d.images.push_back(image.string());
    d.image_ids.push_back(int(d.images.size()));
  }
  d.classes = classes > 0 ? classes : max_class + 1;
  name_classes(d, dir);
  return d;
}

Dataset read_coco(const std::string& instances_json, const std::string& image_dir, BadLabelPolicy policy) {
  const json doc = read_json_file(instances_json);
  const JsonSite root{instances_json, ""};
  if (!doc.is_object()) throw root.error("expected a COCO instances object {images, annotations, categories}");
  Dataset d;
  d.source = instances_json;
  const std::map<int64_t, int> classes = read_categories(doc, root, d);

  const json& images = require_array(doc, "images", root);
  std::map<int64_t, CocoImage> by_id;
  std::set<int64_t> skipped_images;
  for (size_t i = 0; i < images.size(); ++i) {
    JsonSite site = root.key("images").index(i);
    if (!read_coco_image(images[i], site, image_dir, policy, d, by_id) && images[i].is_object() &&
        images[i].contains("id") && images[i]["id"].is_number_integer() && !by_id.count(images[i]["id"].get<int64_t>()))
      skipped_images.insert(images[i]["id"].get<int64_t>());
  }
  const json& annotations = require_array(doc, "annotations", root);
  for (size_t i = 0; i < annotations.size(); ++i)
    read_coco_annotation(annotations[i], root.key("annotations").index(i), by_id, skipped_images, classes, policy, d);
  return d;
}

}  // namespace ds
