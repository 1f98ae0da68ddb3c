// The run file a trainer child receives (RUN_DIR/run.json), in the schema `sweep train` reads
// (core/train/train_config.h), made from a run's stored identity config.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ds {

// The data files `sweep train` reads (image lists), and how a spec's relative path to one is resolved:
// against the spec's folder.
inline constexpr const char* kTrainerDataFiles[] = {"train", "val"};
std::string resolve_data_path(const std::string& path, const std::string& spec_dir);

// `cfg_name` only names the cfg in the trainer's messages; data paths that are relative are made absolute
// against `spec_dir` (the trainer would otherwise resolve them against RUN_DIR). `test_hooks` pass
// through for the stand-in trainer of the tests; identity-only fields (device, repeat, inputs) do not.
nlohmann::json trainer_run_file(const nlohmann::json& config, const std::string& cfg_name, const std::string& spec_dir,
                                const std::optional<std::string>& init_weights);

}  // namespace ds
