// STUB: `sweep data synth`, to be implemented.
#include <stdexcept>

#include "sweep/cli/commands.h"

namespace ds {
int cmd_data_synth(const Argv&) { throw std::runtime_error("sweep data synth is not implemented yet"); }
}  // namespace ds
