// STUB: `sweep train`, to be implemented.
#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace ds {
int cmd_train(const Argv&) { throw std::runtime_error("sweep train is not implemented yet"); }
}  // namespace ds
