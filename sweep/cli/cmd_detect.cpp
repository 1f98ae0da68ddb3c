// STUB: `sweep detect`, to be implemented.
#include <stdexcept>

#include "sweep/cli/commands.h"

namespace ds {
int cmd_detect(const Argv&) { throw std::runtime_error("sweep detect is not implemented yet"); }
}  // namespace ds
