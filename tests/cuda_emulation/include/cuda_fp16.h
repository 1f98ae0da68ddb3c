// Emulated cuda_fp16.h: __half as IEEE binary16 bits; conversions round to nearest even, with subnormals,
// overflow to infinity and NaN as the device does.
#pragma once
#include <cstdint>
#include <cstring>

#include "cuda_runtime.h"

struct __half {
  uint16_t x;
};

inline __half __float2half_rn(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t exp = (u >> 23) & 0xffu;
  uint32_t mant = u & 0x7fffffu;
  uint16_t h;
  if (exp == 0xff) {
    h = uint16_t(sign | 0x7c00u | (mant ? 0x200u | (mant >> 13) : 0u));  // inf, or a quiet NaN
  } else {
    const int e = int(exp) - 127 + 15;  // the half's biased exponent
    if (e >= 31) {
      h = uint16_t(sign | 0x7c00u);  // overflow
    } else if (e <= 0) {  // subnormal half (or zero): mantissa with the implicit bit, shifted right by 14 - e
      if (e < -10) {
        h = uint16_t(sign);  // below half of the smallest subnormal: rounds to zero
      } else {
        mant |= 0x800000u;
        const int shift = 14 - e;  // 14..24
        uint32_t q = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1), halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (q & 1u))) ++q;
        h = uint16_t(sign | q);  // q may carry into the smallest normal: still right
      }
    } else {
      uint32_t q = (uint32_t(e) << 10) | (mant >> 13);
      const uint32_t rem = mant & 0x1fffu;
      if (rem > 0x1000u || (rem == 0x1000u && (q & 1u))) ++q;  // may carry into the exponent, up to inf
      h = uint16_t(sign | q);
    }
  }
  return __half{h};
}

inline float __half2float(__half h) {
  const uint32_t sign = uint32_t(h.x & 0x8000u) << 16;
  const uint32_t exp = (h.x >> 10) & 0x1fu, mant = h.x & 0x3ffu;
  uint32_t u;
  if (exp == 0x1f) {
    u = sign | 0x7f800000u | (mant << 13);
  } else if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else {  // subnormal: normalise
      int e = -1;
      uint32_t m = mant;
      do {
        m <<= 1;
        ++e;
      } while (!(m & 0x400u));
      u = sign | (uint32_t(127 - 15 - e) << 23) | ((m & 0x3ffu) << 13);
    }
  } else {
    u = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline __half __float2half(float f) { return __float2half_rn(f); }
