// One libFuzzer target: compiled once per reader with DS_FUZZ_TARGET naming its harness function
// (tests/fuzz/harness/fuzz_inputs.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../harness/fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ds::fuzz::DS_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
