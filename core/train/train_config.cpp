// Reading and writing TrainConfig as JSON, with errors that name the JSON path.
#include "core/train/train_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/error.h"

namespace ds {
namespace {

// Typed access to an optional member with an error naming source: path.
template <typename T>
T member(const nlohmann::json& obj, const std::string& key, const T& fallback, const std::string& source,
         const std::string& path) {
  if (!obj.contains(key)) return fallback;
  try {
    return obj.at(key).get<T>();
  } catch (const std::exception&) {
    throw InputError(source + ": " + path + "." + key + ": wrong type (" + obj.at(key).dump() + ")");
  }
}

std::string resolve(const std::string& base, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  return (std::filesystem::path(base) / p).lexically_normal().string();
}

void check_keys(const nlohmann::json& obj, const std::vector<std::string>& known, const std::string& source,
                const std::string& path) {
  if (!obj.is_object()) throw InputError(source + ": " + path + ": expected an object");
  for (const auto& [k, v] : obj.items()) {
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    std::string valid;
    for (const auto& n : known) valid += (valid.empty() ? "" : ", ") + n;
    throw InputError(source + ": " + path + "." + k + ": unknown key; valid keys: " + valid);
  }
}

}  // namespace

TrainConfig TrainConfig::from_json(const nlohmann::json& j, const std::string& source, const std::string& base) {
  check_keys(j, {"cfg", "cfg_text", "overrides", "data", "schedule", "seed", "init", "eval", "loader_threads", "device",
              "precision"},
             source,
             "$");
  TrainConfig c;
  if (j.contains("cfg_text")) {
    c.cfg_text = member<std::string>(j, "cfg_text", "", source, "$");
    c.cfg_path = resolve(base, member<std::string>(j, "cfg", "run.cfg", source, "$"));
  } else {
    c.cfg_path = resolve(base, member<std::string>(j, "cfg", "", source, "$"));
    if (c.cfg_path.empty()) throw InputError(source + ": $.cfg: required (path of the network cfg) or $.cfg_text");
    std::ifstream f(c.cfg_path);
    if (!f) throw InputError(source + ": $.cfg: cannot open " + c.cfg_path);
    std::stringstream ss;
    ss << f.rdbuf();
    c.cfg_text = ss.str();
  }
  c.overrides = member<std::vector<std::string>>(j, "overrides", {}, source, "$");
  if (!j.contains("data")) throw InputError(source + ": $.data: required ({\"train\": LIST, \"val\": LIST})");
  const auto& d = j.at("data");
  check_keys(d, {"train", "val", "classes"}, source, "$.data");
  c.train_list = resolve(base, member<std::string>(d, "train", "", source, "$.data"));
  c.val_list = resolve(base, member<std::string>(d, "val", "", source, "$.data"));
  c.classes = member<int>(d, "classes", 0, source, "$.data");
  if (c.train_list.empty()) throw InputError(source + ": $.data.train: required");
  if (j.contains("schedule")) {
    const auto& s = j.at("schedule");
    check_keys(s, {"max_batches", "eval_every", "checkpoint_every", "eval_images", "precise_bn"}, source,
               "$.schedule");
    c.max_batches = member<int>(s, "max_batches", 0, source, "$.schedule");
    // How the run is evaluated, settable from a sweep spec's schedule (the eval object below says the same).
    c.max_val_images = member<int>(s, "eval_images", c.max_val_images, source, "$.schedule");
    c.precise_bn_batches = member<int>(s, "precise_bn", c.precise_bn_batches, source, "$.schedule");
    c.eval_every = member<int>(s, "eval_every", 0, source, "$.schedule");
    c.checkpoint_every = member<int>(s, "checkpoint_every", c.checkpoint_every, source, "$.schedule");
  }
  if (j.contains("eval")) {
    const auto& e = j.at("eval");
    check_keys(e, {"max_images", "thresh", "nms", "precise_bn"}, source, "$.eval");
    c.precise_bn_batches = member<int>(e, "precise_bn", 0, source, "$.eval");
    c.max_val_images = member<int>(e, "max_images", 0, source, "$.eval");
    c.eval_thresh = member<float>(e, "thresh", c.eval_thresh, source, "$.eval");
    c.nms_thresh = member<float>(e, "nms", c.nms_thresh, source, "$.eval");
  }
  c.seed = member<uint64_t>(j, "seed", 1, source, "$");
  c.loader_threads = member<int>(j, "loader_threads", 2, source, "$");
  c.device = member<std::string>(j, "device", "cpu", source, "$");
  c.precision = member<std::string>(j, "precision", "fp32", source, "$");
  if (j.contains("init")) {
    const auto& i = j.at("init");
    check_keys(i, {"weights", "partial"}, source, "$.init");
    c.init_weights = resolve(base, member<std::string>(i, "weights", "", source, "$.init"));
    c.init_partial = member<int>(i, "partial", -1, source, "$.init");
  }
  return c;
}

nlohmann::json TrainConfig::to_json() const {
  nlohmann::json j = {{"cfg", cfg_path},
                      {"cfg_text", cfg_text},
                      {"overrides", overrides},
                      {"data", {{"train", train_list}, {"val", val_list}, {"classes", classes}}},
                      {"schedule", {{"max_batches", max_batches}, {"eval_every", eval_every},
                                    {"checkpoint_every", checkpoint_every}}},
                      {"eval", {{"max_images", max_val_images}, {"thresh", eval_thresh}, {"nms", nms_thresh},
                                {"precise_bn", precise_bn_batches}}},
                      {"seed", seed},
                      {"loader_threads", loader_threads}};
  if (!init_weights.empty()) j["init"] = {{"weights", init_weights}, {"partial", init_partial}};
  if (device != "cpu") j["device"] = device;
  if (precision != "fp32") j["precision"] = precision;
  return j;
}

}  // namespace ds
