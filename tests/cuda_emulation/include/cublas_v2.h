// Emulated cuBLAS: the handle only (darksweep's ops call no cuBLAS routine).
#pragma once
#include "cuda_runtime.h"
typedef enum { CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_NOT_INITIALIZED = 1, CUBLAS_STATUS_INVALID_VALUE = 7 } cublasStatus_t;
typedef struct cublasContext* cublasHandle_t;
cublasStatus_t cublasCreate(cublasHandle_t* h);
cublasStatus_t cublasDestroy(cublasHandle_t h);
const char* cublasGetStatusString(cublasStatus_t s);
