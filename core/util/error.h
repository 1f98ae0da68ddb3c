// Error types shared by every layer of darksweep, and the exit codes they map to.
#pragma once
#include <stdexcept>
#include <string>

namespace ds {

// Exit codes of every darksweep command (DESIGN.md, Conventions).
enum ExitCode : int {
  kExitOk = 0,
  kExitRunFailed = 1,   // a run or command failed for a reason other than its input
  kExitBadInput = 2,    // the user gave a malformed cfg, weights, spec, label, image or database
  kExitDiverged = 3,    // training stopped because the loss became NaN/Inf
  kExitPreempted = 4,   // SIGTERM/--signal: checkpointed and stopped; the run goes back to pending
};

// A problem with what the user gave us. The message names the file and line (or JSON path)
// and, where possible, what would have been valid. Commands turn it into exit code 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// Formats "file:line: message" (line omitted when <= 0).
std::string at_location(const std::string& file, int line, const std::string& message);

}  // namespace ds
