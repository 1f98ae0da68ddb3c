// STUB: `sweep inspect`, to be implemented.
#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace ds {
int cmd_inspect(const Argv&) { throw std::runtime_error("sweep inspect is not implemented yet"); }
}  // namespace ds
