// Test support: a whole file's bytes ("" when it cannot be read).
#pragma once
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ds::test {

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace ds::test
