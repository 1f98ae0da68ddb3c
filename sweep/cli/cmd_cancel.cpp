// STUB: `sweep cancel`, to be implemented.
#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace ds {
int cmd_cancel(const Argv&) { throw std::runtime_error("sweep cancel is not implemented yet"); }
}  // namespace ds
