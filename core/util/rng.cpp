// Serialising the generator state (std::mt19937_64's stream form is exact and portable).
#include "core/util/rng.h"

#include <sstream>

#include "core/util/error.h"

namespace ds {

std::string Rng::state() const {
  std::ostringstream os;
  os << gen_;
  return os.str();
}

void Rng::set_state(const std::string& s) {
  std::istringstream is(s);
  is >> gen_;
  if (!is) throw InputError("rng: malformed generator state in checkpoint");
}

}  // namespace ds
