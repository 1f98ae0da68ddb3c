// gemm() on OpenBLAS (cblas_sgemm, row-major), and what OpenBLAS says of itself.
#include "core/nn/blas.h"

#include <cblas.h>

namespace ds {

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k,
              alpha, a, lda, b, ldb, beta, c, ldc);
}

std::string blas_build() { return openblas_get_config(); }

std::string blas_kernels() { return openblas_get_corename(); }

}  // namespace ds
