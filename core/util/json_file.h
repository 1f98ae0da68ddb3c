// Reading a whole JSON file, with the one error message every reader of user files gives.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ds {

// Reads and parses a JSON file; a missing or unreadable file, a syntax error or an out-of-range number
// (such as 1e999) is an InputError naming the file.
nlohmann::json read_json_file(const std::string& path);

// v as an int64 id or count: a JSON integer that fits, or a float with an integral value below 2^53 (some
// writers emit 3.0), which every double represents exactly; nullopt for anything else, so the caller names
// its own JSON path in the error. (Casting a larger double such as 4e52 to int64 is undefined behaviour.)
std::optional<int64_t> json_integer(const nlohmann::json& v);

}  // namespace ds
