// Thin wrapper over OpenBLAS's cblas_sgemm: the one matrix product the CPU reference layers use.
#pragma once

namespace ds {

// C = alpha * op(A) * op(B) + beta * C for row-major matrices, op(X) = X^T when trans_x is set;
// op(A) is m x k, op(B) is k x n, C is m x n. Same arguments as darknet's gemm(TA, TB, M, N, K, ...).
void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc);

}  // namespace ds
