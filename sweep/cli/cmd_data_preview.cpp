// STUB: `sweep data preview`, to be implemented.
#include <stdexcept>

#include "sweep/cli/commands.h"

namespace ds {
int cmd_data_preview(const Argv&) { throw std::runtime_error("sweep data preview is not implemented yet"); }
}  // namespace ds
