// `sweep data SUBCOMMAND`: dispatches to the data-set tools.
#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace ds {

int cmd_data(const Argv& args) {
  if (args.empty()) throw InputError("sweep data: expected a subcommand: synth, preview");
  Argv rest(args.begin() + 1, args.end());
  if (args[0] == "synth") return cmd_data_synth(rest);
  if (args[0] == "preview") return cmd_data_preview(rest);
  throw InputError("sweep data: unknown subcommand '" + args[0] + "'; valid: synth, preview");
}

}  // namespace ds
