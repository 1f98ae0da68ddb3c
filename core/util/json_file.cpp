// Reading a whole JSON file (core/util/json_file.h).
#include "core/util/json_file.h"

#include <cmath>
#include <fstream>
#include <limits>

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

std::optional<int64_t> json_integer(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > uint64_t(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return int64_t(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
    if (std::floor(d) == d && std::fabs(d) < kExactIntegers) return int64_t(d);
  }
  return std::nullopt;
}

}  // namespace ds
