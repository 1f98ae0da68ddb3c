// Emulated cuDNN (cudnn.h): descriptors with cuDNN's validity checks, the v7 algorithm queries (a list with one
// unsupported entry, one that needs a terabyte of workspace and one that fits), and the three convolutions as
// direct loops in float.
#include "cudnn.h"

#include <cstdio>
#include <cstring>
#include <vector>

#include "cuda_fp16.h"

struct cudnnContext {
  int magic = 0xc0de;
};
struct cudnnTensorStruct {
  bool set = false;
  cudnnDataType_t type{};
  int n = 0, c = 0, h = 0, w = 0;
  cudnnTensorFormat_t format = CUDNN_TENSOR_NCHW;
  size_t count() const { return size_t(n) * c * h * w; }
};
struct cudnnFilterStruct {
  bool set = false;
  cudnnDataType_t type{};
  int k = 0, c = 0, h = 0, w = 0;
  cudnnTensorFormat_t format = CUDNN_TENSOR_NCHW;  // NHWC: KRSC
  size_t count() const { return size_t(k) * c * h * w; }
};
struct cudnnConvolutionStruct {
  bool set = false;
  int pad_h = 0, pad_w = 0, u = 1, v = 1, dh = 1, dw = 1, groups = 1;
  cudnnConvolutionMode_t mode{};
  cudnnDataType_t compute{};
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

namespace {

cudnnStatus_t bad(const char* what) {
  std::fprintf(stderr, "emu cudnn: %s\n", what);
  return CUDNN_STATUS_BAD_PARAM;
}

size_t element_bytes(cudnnDataType_t t) { return t == CUDNN_DATA_HALF ? 2 : t == CUDNN_DATA_DOUBLE ? 8 : 4; }

int out_dim(int in, int pad, int k, int dil, int stride) { return (in + 2 * pad - ((k - 1) * dil + 1)) / stride + 1; }

// The algorithms, in the order both the heuristics and Find list them: [0] not supported, [1] needs 1 TiB of
// workspace, [2] fits (2 KiB) but is listed with CUDNN_TENSOR_OP_MATH whatever the descriptor's math type (as
// cuDNN lists tensor-core algorithms) and runs only with that math type set, [3] fits (4 KiB) with the
// descriptor's math type. So fp32 (FMA math) must skip [2], and the other precisions must set its math type.
constexpr int kAlgos = 4, kFits = 1, kTensorOps = 2, kHuge = 3, kUnsupported = 5;
size_t algo_bytes(int algo) {
  return algo == kFits ? 4096 : algo == kTensorOps ? 2048 : algo == kHuge ? (size_t(1) << 40) : 0;
}

template <typename Perf, typename Algo>
void fill_perf(int requested, int* returned, Perf* perf, cudnnMathType_t math) {
  const int algos[kAlgos] = {kUnsupported, kHuge, kTensorOps, kFits};
  *returned = std::min(requested, kAlgos);
  for (int i = 0; i < *returned; ++i) {
    std::memset(&perf[i], 0, sizeof(Perf));
    perf[i].algo = Algo(algos[i]);
    perf[i].status = algos[i] == kUnsupported ? CUDNN_STATUS_NOT_SUPPORTED : CUDNN_STATUS_SUCCESS;
    perf[i].time = float(i);
    perf[i].memory = algo_bytes(algos[i]);
    perf[i].mathType = algos[i] == kTensorOps ? CUDNN_TENSOR_OP_MATH : math;
  }
}

cudnnStatus_t check_geometry(cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w, cudnnConvolutionDescriptor_t cv,
                             cudnnTensorDescriptor_t y) {
  if (!x || !w || !cv || !y || !x->set || !w->set || !cv->set || !y->set) return bad("descriptor not set");
  if (x->type != w->type || x->type != y->type) return bad("x, w and y of different data types");
  if (x->format != w->format || x->format != y->format) return bad("x, w and y in different layouts (not emulated)");
  if (x->type == CUDNN_DATA_FLOAT && cv->compute != CUDNN_DATA_FLOAT) return bad("float data needs float compute");
  if (x->type == CUDNN_DATA_HALF && cv->compute != CUDNN_DATA_FLOAT && cv->compute != CUDNN_DATA_HALF)
    return bad("half data needs half or float compute");
  if (w->c * cv->groups != x->c) return bad("filter channels x groups != input channels");
  if (w->k % cv->groups != 0) return bad("filters not divisible by groups");
  if (y->n != x->n || y->c != w->k) return bad("output n/c differ from input n / filter k");
  const int oh = out_dim(x->h, cv->pad_h, w->h, cv->dh, cv->u), ow = out_dim(x->w, cv->pad_w, w->w, cv->dw, cv->v);
  if (oh <= 0 || ow <= 0) return bad("empty output");
  if (y->h != oh || y->w != ow) {
    std::fprintf(stderr, "emu cudnn: y is %dx%d, the convolution gives %dx%d\n", y->h, y->w, oh, ow);
    return CUDNN_STATUS_BAD_PARAM;
  }
  return CUDNN_STATUS_SUCCESS;
}

float tf32(float f) {  // 10-bit mantissa, round to nearest (ties away), as cvt.rna.tf32.f32
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;
  std::memcpy(&f, &u, 4);
  return f;
}

bool uses_tf32(cudnnDataType_t t, cudnnMathType_t m) { return t == CUDNN_DATA_FLOAT && m != CUDNN_FMA_MATH; }

std::vector<float> load(const void* p, size_t n, cudnnDataType_t t, bool round_tf32) {
  std::vector<float> v(n);
  if (t == CUDNN_DATA_HALF) {
    const __half* h = static_cast<const __half*>(p);
    for (size_t i = 0; i < n; ++i) v[i] = __half2float(h[i]);
  } else {
    std::memcpy(v.data(), p, n * 4);
    if (round_tf32)
      for (float& e : v) e = tf32(e);
  }
  return v;
}

// out = alpha · acc + beta · out (out not read when beta = 0), converted to the tensor's type.
void store(void* p, const std::vector<float>& acc, cudnnDataType_t t, float alpha, float beta) {
  const size_t n = acc.size();
  if (t == CUDNN_DATA_HALF) {
    __half* h = static_cast<__half*>(p);
    for (size_t i = 0; i < n; ++i) {
      const float old = beta != 0.f ? beta * __half2float(h[i]) : 0.f;
      h[i] = __float2half_rn(alpha * acc[i] + old);
    }
  } else {
    float* f = static_cast<float*>(p);
    for (size_t i = 0; i < n; ++i) f[i] = alpha * acc[i] + (beta != 0.f ? beta * f[i] : 0.f);
  }
}

struct Geometry {
  int N, C, H, W, K, P, Q, R, S, G, Cg, Kg, ph, pw, u, v, dh, dw;
  bool flip, nhwc;
  Geometry(cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w, cudnnConvolutionDescriptor_t cv,
           cudnnTensorDescriptor_t y)
      : N(x->n), C(x->c), H(x->h), W(x->w), K(w->k), P(y->h), Q(y->w), R(w->h), S(w->w), G(cv->groups),
        Cg(w->c), Kg(w->k / cv->groups), ph(cv->pad_h), pw(cv->pad_w), u(cv->u), v(cv->v), dh(cv->dh), dw(cv->dw),
        flip(cv->mode == CUDNN_CONVOLUTION), nhwc(x->format == CUDNN_TENSOR_NHWC) {}
  // Element offsets in NCHW / KCRS, or NHWC / KRSC.
  static size_t at(bool nhwc, int n, int c, int h, int w, int C, int H, int W) {
    return nhwc ? ((size_t(n) * H + h) * W + w) * C + c : ((size_t(n) * C + c) * H + h) * W + w;
  }
  size_t xi(int n, int c, int h, int w) const { return at(nhwc, n, c, h, w, C, H, W); }
  size_t yi(int n, int k, int p, int q) const { return at(nhwc, n, k, p, q, K, P, Q); }
  size_t wi(int k, int c, int r, int s) const {  // the filter tap used at offset (r, s)
    if (flip) r = R - 1 - r, s = S - 1 - s;
    return at(nhwc, k, c, r, s, Cg, R, S);
  }
};

// Calls f(n, k, c_in_x, p, q, xi, yi, wi) for every (output, tap) pair that reads an input cell inside the map.
template <typename F>
void for_each_tap(const Geometry& g, F f) {
  for (int n = 0; n < g.N; ++n)
    for (int k = 0; k < g.K; ++k) {
      const int grp = k / g.Kg;
      for (int c = 0; c < g.Cg; ++c) {
        const int cx = grp * g.Cg + c;
        for (int r = 0; r < g.R; ++r)
          for (int s = 0; s < g.S; ++s) {
            const size_t widx = g.wi(k, c, r, s);
            for (int p = 0; p < g.P; ++p) {
              const int ih = p * g.u - g.ph + r * g.dh;
              if (ih < 0 || ih >= g.H) continue;
              for (int q = 0; q < g.Q; ++q) {
                const int iw = q * g.v - g.pw + s * g.dw;
                if (iw < 0 || iw >= g.W) continue;
                f(g.xi(n, cx, ih, iw), g.yi(n, k, p, q), widx);
              }
            }
          }
      }
    }
}

cudnnStatus_t check_call(cudnnHandle_t h, int algo, cudnnConvolutionDescriptor_t cv, void* workspace, size_t bytes,
                         std::initializer_list<std::pair<const void*, size_t>> buffers) {
  if (!h || h->magic != 0xc0de) return CUDNN_STATUS_NOT_INITIALIZED;
  if (algo != kFits && algo != kHuge && algo != kTensorOps)
    return bad("an algorithm the query reported unsupported or never returned");
  if (algo == kTensorOps && cv->math != CUDNN_TENSOR_OP_MATH)
    return bad("an algorithm listed with CUDNN_TENSOR_OP_MATH run with another math type");
  const size_t need = algo_bytes(algo);
  if (bytes < need) return bad("workspace smaller than the algorithm's");
  if (need && (!workspace || !emu::is_device(workspace, need))) return bad("workspace is not device memory");
  for (auto [p, n] : buffers)
    if (!emu::is_device(p, n)) {
      std::fprintf(stderr, "emu cudnn: %p (%zu bytes) is not inside one device allocation\n", p, n);
      return CUDNN_STATUS_BAD_PARAM;
    }
  if (need) std::memset(workspace, 0xab, need);  // the workspace holds garbage afterwards
  ++emu::work().cudnn_convolutions;
  return CUDNN_STATUS_SUCCESS;
}

}  // namespace

const char* cudnnGetErrorString(cudnnStatus_t s) {
  switch (s) {
    case CUDNN_STATUS_SUCCESS: return "CUDNN_STATUS_SUCCESS";
    case CUDNN_STATUS_BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
    case CUDNN_STATUS_NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
    case CUDNN_STATUS_NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
    default: return "CUDNN_STATUS_(emulated error)";
  }
}
size_t cudnnGetVersion() { return 90000; }
cudnnStatus_t cudnnCreate(cudnnHandle_t* h) {
  *h = new cudnnContext;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroy(cudnnHandle_t h) {
  if (!h || h->magic != 0xc0de) return CUDNN_STATUS_BAD_PARAM;
  delete h;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t* d) {
  *d = new cudnnTensorStruct;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t d) {
  delete d;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d, cudnnTensorFormat_t format, cudnnDataType_t type,
                                         int n, int c, int h, int w) {
  if (format != CUDNN_TENSOR_NCHW && format != CUDNN_TENSOR_NHWC) return CUDNN_STATUS_NOT_SUPPORTED;
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0) return bad("tensor dimension <= 0");
  if (type != CUDNN_DATA_FLOAT && type != CUDNN_DATA_HALF) return CUDNN_STATUS_NOT_SUPPORTED;
  *d = cudnnTensorStruct{true, type, n, c, h, w, format};
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t* d) {
  *d = new cudnnFilterStruct;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t d) {
  delete d;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d, cudnnDataType_t type, cudnnTensorFormat_t format,
                                         int k, int c, int h, int w) {
  if (format != CUDNN_TENSOR_NCHW && format != CUDNN_TENSOR_NHWC) return CUDNN_STATUS_NOT_SUPPORTED;
  if (k <= 0 || c <= 0 || h <= 0 || w <= 0) return bad("filter dimension <= 0");
  if (type != CUDNN_DATA_FLOAT && type != CUDNN_DATA_HALF) return CUDNN_STATUS_NOT_SUPPORTED;
  *d = cudnnFilterStruct{true, type, k, c, h, w, format};
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t* d) {
  *d = new cudnnConvolutionStruct;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t d) {
  delete d;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t d, int pad_h, int pad_w, int u, int v,
                                              int dilation_h, int dilation_w, cudnnConvolutionMode_t mode,
                                              cudnnDataType_t compute_type) {
  if (pad_h < 0 || pad_w < 0 || u <= 0 || v <= 0 || dilation_h <= 0 || dilation_w <= 0)
    return bad("convolution: negative padding or non-positive stride/dilation");
  d->set = true;
  d->pad_h = pad_h, d->pad_w = pad_w, d->u = u, d->v = v, d->dh = dilation_h, d->dw = dilation_w;
  d->mode = mode, d->compute = compute_type;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t d, int groups) {
  if (groups <= 0) return bad("groups <= 0");
  d->groups = groups;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t d, cudnnMathType_t math) {
  d->math = math;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(const cudnnConvolutionDescriptor_t cv,
                                                    const cudnnTensorDescriptor_t x, const cudnnFilterDescriptor_t w,
                                                    int* n, int* c, int* h, int* wd) {
  if (!cv->set || !x->set || !w->set) return bad("descriptor not set");
  if (w->c * cv->groups != x->c) return bad("filter channels x groups != input channels");
  *n = x->n, *c = w->k;
  *h = out_dim(x->h, cv->pad_h, w->h, cv->dh, cv->u);
  *wd = out_dim(x->w, cv->pad_w, w->w, cv->dw, cv->v);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t, const cudnnTensorDescriptor_t x,
                                                     const cudnnFilterDescriptor_t w,
                                                     const cudnnConvolutionDescriptor_t cv,
                                                     const cudnnTensorDescriptor_t y, const int requested,
                                                     int* returned, cudnnConvolutionFwdAlgoPerf_t* perf) {
  if (cudnnStatus_t s = check_geometry(x, w, cv, y)) return s;
  fill_perf<cudnnConvolutionFwdAlgoPerf_t, cudnnConvolutionFwdAlgo_t>(requested, returned, perf, cv->math);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnnHandle_t, const cudnnFilterDescriptor_t w,
                                                          const cudnnTensorDescriptor_t dy,
                                                          const cudnnConvolutionDescriptor_t cv,
                                                          const cudnnTensorDescriptor_t dx, const int requested,
                                                          int* returned, cudnnConvolutionBwdDataAlgoPerf_t* perf) {
  if (cudnnStatus_t s = check_geometry(dx, w, cv, dy)) return s;
  fill_perf<cudnnConvolutionBwdDataAlgoPerf_t, cudnnConvolutionBwdDataAlgo_t>(requested, returned, perf, cv->math);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnnHandle_t, const cudnnTensorDescriptor_t x,
                                                            const cudnnTensorDescriptor_t dy,
                                                            const cudnnConvolutionDescriptor_t cv,
                                                            const cudnnFilterDescriptor_t dw, const int requested,
                                                            int* returned, cudnnConvolutionBwdFilterAlgoPerf_t* perf) {
  if (cudnnStatus_t s = check_geometry(x, dw, cv, dy)) return s;
  fill_perf<cudnnConvolutionBwdFilterAlgoPerf_t, cudnnConvolutionBwdFilterAlgo_t>(requested, returned, perf, cv->math);
  return CUDNN_STATUS_SUCCESS;
}

// Find times every algorithm and lists them fastest first: here the same list as the heuristics'.
cudnnStatus_t cudnnFindConvolutionForwardAlgorithm(cudnnHandle_t h, const cudnnTensorDescriptor_t x,
                                                   const cudnnFilterDescriptor_t w,
                                                   const cudnnConvolutionDescriptor_t cv,
                                                   const cudnnTensorDescriptor_t y, const int requested,
                                                   int* returned, cudnnConvolutionFwdAlgoPerf_t* perf) {
  return cudnnGetConvolutionForwardAlgorithm_v7(h, x, w, cv, y, requested, returned, perf);
}
cudnnStatus_t cudnnFindConvolutionBackwardDataAlgorithm(cudnnHandle_t h, const cudnnFilterDescriptor_t w,
                                                        const cudnnTensorDescriptor_t dy,
                                                        const cudnnConvolutionDescriptor_t cv,
                                                        const cudnnTensorDescriptor_t dx, const int requested,
                                                        int* returned, cudnnConvolutionBwdDataAlgoPerf_t* perf) {
  return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, w, dy, cv, dx, requested, returned, perf);
}
cudnnStatus_t cudnnFindConvolutionBackwardFilterAlgorithm(cudnnHandle_t h, const cudnnTensorDescriptor_t x,
                                                          const cudnnTensorDescriptor_t dy,
                                                          const cudnnConvolutionDescriptor_t cv,
                                                          const cudnnFilterDescriptor_t dw, const int requested,
                                                          int* returned, cudnnConvolutionBwdFilterAlgoPerf_t* perf) {
  return cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, x, dy, cv, dw, requested, returned, perf);
}

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t h, const void* alpha, const cudnnTensorDescriptor_t xd,
                                      const void* x, const cudnnFilterDescriptor_t wd, const void* w,
                                      const cudnnConvolutionDescriptor_t cv, cudnnConvolutionFwdAlgo_t algo,
                                      void* workspace, size_t workspace_bytes, const void* beta,
                                      const cudnnTensorDescriptor_t yd, void* y) {
  emu::DeviceScope scope;
  if (cudnnStatus_t s = check_geometry(xd, wd, cv, yd)) return s;
  const size_t eb = element_bytes(xd->type);
  if (cudnnStatus_t s = check_call(h, algo, cv, workspace, workspace_bytes,
                                   {{x, xd->count() * eb}, {w, wd->count() * eb}, {y, yd->count() * eb}}))
    return s;
  const Geometry g(xd, wd, cv, yd);
  const bool t = uses_tf32(xd->type, cv->math);
  const std::vector<float> xv = load(x, xd->count(), xd->type, t), wv = load(w, wd->count(), xd->type, t);
  std::vector<float> acc(yd->count(), 0.f);
  for_each_tap(g, [&](size_t xi, size_t yi, size_t wi) { acc[yi] += xv[xi] * wv[wi]; });
  store(y, acc, yd->type, *static_cast<const float*>(alpha), *static_cast<const float*>(beta));
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t h, const void* alpha, const cudnnFilterDescriptor_t wd,
                                           const void* w, const cudnnTensorDescriptor_t dyd, const void* dy,
                                           const cudnnConvolutionDescriptor_t cv,
                                           cudnnConvolutionBwdDataAlgo_t algo, void* workspace,
                                           size_t workspace_bytes, const void* beta,
                                           const cudnnTensorDescriptor_t dxd, void* dx) {
  emu::DeviceScope scope;
  if (cudnnStatus_t s = check_geometry(dxd, wd, cv, dyd)) return s;
  const size_t eb = element_bytes(dxd->type);
  if (cudnnStatus_t s = check_call(h, algo, cv, workspace, workspace_bytes,
                                   {{dx, dxd->count() * eb}, {w, wd->count() * eb}, {dy, dyd->count() * eb}}))
    return s;
  const Geometry g(dxd, wd, cv, dyd);
  const bool t = uses_tf32(dxd->type, cv->math);
  const std::vector<float> dyv = load(dy, dyd->count(), dxd->type, t), wv = load(w, wd->count(), dxd->type, t);
  std::vector<float> acc(dxd->count(), 0.f);
  for_each_tap(g, [&](size_t xi, size_t yi, size_t wi) { acc[xi] += dyv[yi] * wv[wi]; });
  store(dx, acc, dxd->type, *static_cast<const float*>(alpha), *static_cast<const float*>(beta));
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t h, const void* alpha, const cudnnTensorDescriptor_t xd,
                                             const void* x, const cudnnTensorDescriptor_t dyd, const void* dy,
                                             const cudnnConvolutionDescriptor_t cv,
                                             cudnnConvolutionBwdFilterAlgo_t algo, void* workspace,
                                             size_t workspace_bytes, const void* beta,
                                             const cudnnFilterDescriptor_t dwd, void* dw) {
  emu::DeviceScope scope;
  if (cudnnStatus_t s = check_geometry(xd, dwd, cv, dyd)) return s;
  const size_t eb = element_bytes(xd->type);
  if (cudnnStatus_t s = check_call(h, algo, cv, workspace, workspace_bytes,
                                   {{x, xd->count() * eb}, {dw, dwd->count() * eb}, {dy, dyd->count() * eb}}))
    return s;
  const Geometry g(xd, dwd, cv, dyd);
  const bool t = uses_tf32(xd->type, cv->math);
  const std::vector<float> xv = load(x, xd->count(), xd->type, t), dyv = load(dy, dyd->count(), xd->type, t);
  std::vector<float> acc(dwd->count(), 0.f);
  for_each_tap(g, [&](size_t xi, size_t yi, size_t wi) { acc[wi] += dyv[yi] * xv[xi]; });
  store(dw, acc, dwd->type, *static_cast<const float*>(alpha), *static_cast<const float*>(beta));
  return CUDNN_STATUS_SUCCESS;
}
