// STUB: `sweep bench`, to be implemented.
#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace ds {
int cmd_bench(const Argv&) { throw std::runtime_error("sweep bench is not implemented yet"); }
}  // namespace ds
