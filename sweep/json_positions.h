// Where each value of a JSON text starts (line:column), keyed by its path ("rows[3].switches[1]"), so that
// spec errors can point into the file; nlohmann::json keeps no positions of its own.
#pragma once
#include <map>
#include <string>

namespace ds {

struct JsonPosition {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes
};

struct JsonPositions {
  std::map<std::string, JsonPosition> of_path;  // "" is the root value
  std::string duplicate_key_path;               // first key that appears twice in one object, if any
};

// Scans `text`, which must already be valid JSON (parse it with nlohmann::json first).
JsonPositions scan_json_positions(const std::string& text);

// Child paths in the format used by scan_json_positions and by spec error messages.
std::string json_child(const std::string& parent, const std::string& key);
std::string json_index(const std::string& parent, size_t index);

// Line and column of byte `offset` of `text`.
JsonPosition position_of_offset(const std::string& text, size_t offset);

}  // namespace ds
