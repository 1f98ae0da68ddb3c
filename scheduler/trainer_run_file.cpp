// Translation of a stored run config into `sweep train`'s run-file schema.
#include "scheduler/trainer_run_file.h"

#include <filesystem>

namespace ds {

std::string resolve_data_path(const std::string& path, const std::string& spec_dir) {
  if (path.empty() || path[0] == '/') return path;
  return (std::filesystem::path(spec_dir) / path).lexically_normal().string();
}

nlohmann::json trainer_run_file(const nlohmann::json& config, const std::string& cfg_name, const std::string& spec_dir,
                                const std::optional<std::string>& init_weights) {
  nlohmann::json out = {
      {"cfg", cfg_name},
      {"cfg_text", config.at("cfg").at("text")},
      {"overrides", config.at("cfg").at("overrides")},
      {"data", config.value("data", nlohmann::json::object())},
      {"schedule", config.value("schedule", nlohmann::json::object())},
      {"seed", config.value("seed", 0)},
      {"device", config.value("device", "cpu")},
      {"precision", config.value("precision", "fp32")},
  };
  for (const char* key : kTrainerDataFiles) {
    if (!out["data"].contains(key) || !out["data"][key].is_string()) continue;
    out["data"][key] = resolve_data_path(out["data"][key], spec_dir);
  }
  const nlohmann::json& inputs = config.value("inputs", nlohmann::json::object());
  if (inputs.contains("init_from")) {
    out["init"] = {{"weights", init_weights.value_or("")}, {"partial", inputs["init_from"].value("partial", -1)}};
  }
  if (config.contains("test_hooks")) out["test_hooks"] = config["test_hooks"];
  return out;
}

}  // namespace ds
