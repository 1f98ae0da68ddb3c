// STUB: `sweep retry`, to be implemented.
#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace ds {
int cmd_retry(const Argv&) { throw std::runtime_error("sweep retry is not implemented yet"); }
}  // namespace ds
