// TrainConfig: everything one training run needs, read from a resolved run JSON (what the scheduler
// writes) or from `sweep train` flags. Its canonical JSON is what a run's identity hashes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ds {

struct TrainConfig {
  std::string cfg_path;                 // the network cfg (for messages and relative paths)
  std::string cfg_text;                 // its text; overrides are applied on top
  std::vector<std::string> overrides;   // "net.mosaic=1", "yolo.scale_x_y=1.05", ...
  std::string train_list, val_list;     // darknet lists
  int classes = 0;                      // 0 = from the cfg's [yolo] layers
  uint64_t seed = 1;
  int max_batches = 0;                  // 0 = the cfg's max_batches
  int eval_every = 0;                   // 0 = only at the end
  int checkpoint_every = 25;
  int max_val_images = 0;               // 0 = all
  float eval_thresh = 0.005f;           // detection confidence threshold for evaluation
  float nms_thresh = 0.45f;
  int precise_bn_batches = 0;           // > 0: re-estimate batch-norm statistics before evaluating (precise_bn.h)
  int loader_threads = 2;
  std::string init_weights;             // start from these .weights ...
  int init_partial = -1;                // ... keeping only the first N layers (darknet `partial`)
  std::string out_dir;
  std::string device = "cpu";           // where to compute: "cpu" or "cuda" (core/backend/device.h)
  std::string precision = "fp32";       // on cuda: "fp32", "tf32" or "mixed" 

  // Reads a run JSON ({"cfg": path or "cfg_text", "overrides": [...], "data": {"train","val","classes"},
  // "schedule": {"max_batches","eval_every","checkpoint_every","eval_images","precise_bn"}, "seed",
  // "init": {"weights","partial"}, "eval": {"max_images","thresh","nms","precise_bn"}, "loader_threads",
  // "device", "precision"}).
  // Relative paths are resolved against the JSON file's folder. Errors name the JSON path.
  static TrainConfig from_json(const nlohmann::json& j, const std::string& source, const std::string& base_dir);
  nlohmann::json to_json() const;
};

}  // namespace ds
