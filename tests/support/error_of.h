// Test support: the message of the InputError a call throws, or "(no InputError)" when it throws none.
#pragma once
#include <functional>
#include <string>

#include "core/util/error.h"

namespace ds::test {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

}  // namespace ds::test
