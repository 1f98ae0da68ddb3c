// STUB: `sweep run`, to be implemented.
#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace ds {
int cmd_run(const Argv&) { throw std::runtime_error("sweep run is not implemented yet"); }
}  // namespace ds
