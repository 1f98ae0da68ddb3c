// STUB: [dropout] layer, to be implemented.
#include "core/layers/factories.h"
#include "core/util/error.h"

namespace ds {
std::unique_ptr<Layer> make_dropout(const CfgSection& s, const BuildContext&) {
  throw InputError(at_location(s.file, s.line, "[dropout] is not implemented yet"));
}
}  // namespace ds
