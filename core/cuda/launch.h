// Launch geometry shared by the element-wise kernels: one thread per element, 256 per block.
#pragma once
#include <cstddef>

namespace ds::cuda {

constexpr unsigned kThreadsPerBlock = 256;
inline unsigned blocks_for(size_t n) { return unsigned((n + kThreadsPerBlock - 1) / kThreadsPerBlock); }

}  // namespace ds::cuda
