// SHA-256 (FIPS 180-4), used to derive a run's id from its canonical resolved config.
#pragma once
#include <string>
#include <string_view>

namespace ds {

// Lower-case hex digest (64 characters) of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace ds
