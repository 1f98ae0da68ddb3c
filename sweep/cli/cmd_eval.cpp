// STUB: `sweep eval`, to be implemented.
#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace ds {
int cmd_eval(const Argv&) { throw std::runtime_error("sweep eval is not implemented yet"); }
}  // namespace ds
