// STUB: `sweep status`, to be implemented.
#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace ds {
int cmd_status(const Argv&) { throw std::runtime_error("sweep status is not implemented yet"); }
}  // namespace ds
