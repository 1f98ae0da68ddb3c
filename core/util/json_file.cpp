// Reading a whole JSON file (core/util/json_file.h).
#include "core/util/json_file.h"

#include <fstream>

#include "core/util/error.h"

namespace ds {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw InputError(path + ": cannot open (missing or unreadable)");
  std::string text(size_t(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(text.data(), std::streamsize(text.size()))) throw InputError(path + ": cannot read");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for numbers such as 1e999
    throw InputError(path + ": not valid JSON: " + e.what());
  }
}

}  // namespace ds
