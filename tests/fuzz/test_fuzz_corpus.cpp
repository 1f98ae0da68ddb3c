// Replays the fuzz corpus (tests/fuzz/corpus/TARGET) and every input a fuzzer found to crash
// (tests/fuzz/regressions/TARGET) through the harness functions: in the ordinary build, and under
// AddressSanitizer + UndefinedBehaviorSanitizer in scripts/test-sanitizers.sh.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/fuzz_inputs.h"

namespace ds {
namespace {

namespace fs = std::filesystem;

int replay(const std::string& folder, const fuzz::Target& target) {
  fs::path dir = fs::path(DS_SOURCE_DIR) / "tests/fuzz" / folder / target.name;
  if (!fs::exists(dir)) return 0;
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    SCOPED_TRACE(e.path().string());
    EXPECT_NO_THROW(target.run(bytes.str()));
    ++n;
  }
  return n;
}

TEST(FuzzCorpus, EverySeedAndRegressionIsAcceptedOrRejectedWithAnInputError) {
  for (const auto& target : fuzz::targets()) {
    int seeds = replay("corpus", target);
    int regressions = replay("regressions", target);
    EXPECT_GT(seeds, 0) << target.name << " has no seed corpus";
    std::printf("fuzz corpus %-8s %3d seeds, %3d regressions\n", target.name, seeds, regressions);
  }
}

}  // namespace
}  // namespace ds
