// Test support: how often a string occurs in a text (events in a command's output, elements in a page).
#pragma once
#include <string>

namespace ds::test {

inline size_t count_occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace ds::test
