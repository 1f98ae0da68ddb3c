// Dataset: the images of a training or validation set and their truth boxes, read from darknet lists
// (image paths with .txt labels beside them) or COCO instances JSON + an image folder.
#pragma once
#include <string>
#include <vector>

#include "core/nn/box.h"

namespace ds {

// What to do with a bad label line or a missing image: stop with an error naming file:line (default),
// or skip it and count it.
enum class BadLabelPolicy { error, skip };

struct Dataset {
  std::vector<std::string> images;               // absolute or list-relative paths
  std::vector<std::vector<TruthBox>> labels;     // per image, normalised x, y, w, h (centre), class index
  std::vector<int> image_ids;                    // COCO image ids (1..N for darknet lists)
  std::vector<int> category_ids;                 // class index -> COCO category id (0..K-1 for darknet)
  std::vector<std::string> class_names;
  int classes = 0;
  int skipped = 0;                               // items skipped under BadLabelPolicy::skip
  std::string source;                            // the list or JSON file it came from
};

// The label file of an image: beside it with the extension replaced by .txt; when that is missing and the
// image lies under an images/ or JPEGImages/ folder, darknet's labels/ folder (replace_image_to_label).
std::string label_path_for(const std::string& image_path);

// The most classes a data set may have when its class count is not given (read_darknet_list's classes <= 0:
// the labels' largest class + 1): well above the largest public label sets (ImageNet-21k's 21,841), low enough
// that a corrupt class id cannot make the class list take gigabytes.
inline constexpr int kMaxClasses = 100000;

// darknet list: one image path per line (relative paths are relative to the list's folder); labels in
// the same path with the extension replaced by .txt, lines "class cx cy w h" normalised to [0, 1].
Dataset read_darknet_list(const std::string& list_path, int classes, BadLabelPolicy policy = BadLabelPolicy::error);

// COCO instances JSON (images, annotations with bbox [x, y, w, h] in pixels, categories) + image folder.
// Crowd annotations are left out of training truths.
Dataset read_coco(const std::string& instances_json, const std::string& image_dir,
                  BadLabelPolicy policy = BadLabelPolicy::error);

}  // namespace ds
