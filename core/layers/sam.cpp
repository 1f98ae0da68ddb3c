// STUB: [sam] layer, to be implemented.
#include "core/layers/factories.h"
#include "core/util/error.h"

namespace ds {
std::unique_ptr<Layer> make_sam(const CfgSection& s, const BuildContext&) {
  throw InputError(at_location(s.file, s.line, "[sam] is not implemented yet"));
}
}  // namespace ds
