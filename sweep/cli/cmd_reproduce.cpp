// STUB: `sweep reproduce`, to be implemented.
#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace ds {
int cmd_reproduce(const Argv&) { throw std::runtime_error("sweep reproduce is not implemented yet"); }
}  // namespace ds
