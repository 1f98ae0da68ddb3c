// Thin wrapper over OpenBLAS's cblas_sgemm: the one matrix product the CPU reference layers use.
#pragma once
#include <string>

namespace ds {

// C = alpha * op(A) * op(B) + beta * C for row-major matrices, op(X) = X^T when trans_x is set;
// op(A) is m x k, op(B) is k x n, C is m x n. Same arguments as darknet's gemm(TA, TB, M, N, K, ...).
void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc);

// The BLAS build (OpenBLAS's openblas_get_config(): version and options) and the kernel set it runs on this CPU
// (openblas_get_corename(), e.g. "SkylakeX", "Haswell"). Debian's OpenBLAS picks the kernels per CPU when it
// loads, unless OPENBLAS_CORETYPE names them; sgemm's summation order, and so a training run's last bits, follow
// the kernel set, which is why a run's metrics record it.
std::string blas_build();
std::string blas_kernels();

}  // namespace ds
