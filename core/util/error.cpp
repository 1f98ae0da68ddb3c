// Formatting of error locations.
#include "core/util/error.h"

namespace ds {

std::string at_location(const std::string& file, int line, const std::string& message) {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ": " + message;
}

}  // namespace ds
