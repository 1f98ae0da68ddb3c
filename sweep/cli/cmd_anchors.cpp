// STUB: `sweep anchors`, to be implemented.
#include <stdexcept>

#include "sweep/cli/commands.h"

namespace ds {
int cmd_anchors(const Argv&) { throw std::runtime_error("sweep anchors is not implemented yet"); }
}  // namespace ds
