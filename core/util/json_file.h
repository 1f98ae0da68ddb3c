// Reading a whole JSON file, with the one error message every reader of user files gives.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace ds {

// Reads and parses a JSON file; a missing or unreadable file, a syntax error or an out-of-range number
// (such as 1e999) is an InputError naming the file.
nlohmann::json read_json_file(const std::string& path);

}  // namespace ds
