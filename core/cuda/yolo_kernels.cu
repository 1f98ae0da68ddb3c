// [yolo] / [Gaussian_yolo] kernels (yolo_kernels.h): the head's activation, phase 1 of the loss on every prediction
// (the CPU's own yolo_objectness and yolo_box, core/nn/yolo_prediction.h), the gather and scatter of the cells the
// host trains, and the sums of squared deltas.
#include "core/cuda/kernels.cuh"
#include "core/cuda/yolo_kernels.h"

namespace ds::cuda {
namespace {

__device__ float logistic(float x) { return 1.f / (1.f + expf(-x)); }  // core/nn/activations.cpp's logistic

// Which of an anchor's entries the forward pass passes through the logistic and which it scales (yolo.h).
__device__ bool is_logistic(int e, bool gaussian, bool new_coords) {
  if (gaussian) return e < 4 || e == 5 || e >= 7;  // not μw (4), μh (6)
  return !new_coords && (e < 2 || e >= 4);
}
__device__ bool is_scaled(int e, bool gaussian) { return gaussian ? (e == 0 || e == 2) : e < 2; }

// Sums of squares of the three kinds of entries: box, objectness, classes.
struct LossSums {
  double box, obj, cls;
  __device__ LossSums& operator+=(const LossSums& o) {
    box += o.box, obj += o.obj, cls += o.cls;
    return *this;
  }
};

// The sums, one block per slice of the deltas (grid-stride), then per block.
__global__ void loss_sums_kernel(YoloHeadShape g, bool box_is_mse, bool gaussian, const float* delta,
                                 double* partial) {
  __shared__ LossSums sums[kThreadsPerBlock];
  LossSums mine{};
  const size_t n = g.elements(), plane = g.plane(), entries = g.entries();
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const double d = delta[i];
    const int e = int((i / plane) % entries);
    if (e < g.coords) {
      if (box_is_mse || (gaussian && e % 2 == 1)) mine.box += d * d;
    } else if (e == g.coords) {
      mine.obj += d * d;
    } else {
      mine.cls += d * d;
    }
  }
  const LossSums total = block_reduce(mine, sums);
  if (threadIdx.x == 0) {
    partial[3 * blockIdx.x] = total.box;
    partial[3 * blockIdx.x + 1] = total.obj;
    partial[3 * blockIdx.x + 2] = total.cls;
  }
}

}  // namespace

void yolo_activate(const YoloHeadShape& g, bool gaussian, bool new_coords, float scale_x_y, const float* in,
                   float* out) {
  const size_t plane = g.plane(), entries = g.entries();
  const float s = scale_x_y;
  elementwise(g.elements(), [=] __device__(size_t i) {
    const int e = int((i / plane) % entries);
    float v = in[i];
    if (is_logistic(e, gaussian, new_coords)) v = logistic(v);
    if (is_scaled(e, gaussian)) v = v * s - 0.5f * (s - 1.f);  // darknet's scal_add_cpu
    out[i] = v;
  });
}

void yolo_objectness_deltas(const YoloObjectnessArgs& args, const float* out, const float* anchors,
                            const TruthBox* truths, const int* truth_offsets, float* delta, YoloPositive* positives,
                            int* positive_count) {
  const YoloObjectnessArgs a = args;
  const size_t plane = a.g.plane();
  elementwise(a.g.predictions(), [=] __device__(size_t q) {
    const size_t b_slot = q / plane;
    const int loc = int(q % plane), slot = int(b_slot % size_t(a.g.slots)), b = int(b_slot / size_t(a.g.slots));
    const int i = loc % a.g.w, j = loc / a.g.w;
    const size_t base = a.g.base(q);  // entry 0 of the prediction
    const size_t box_step = plane * size_t(a.g.coords / 4);
    const Box pred = ds::yolo_box(out, base, box_step, i, j, a.g.w, a.g.h, anchors[2 * slot], anchors[2 * slot + 1],
                                  a.g.net_w, a.g.net_h);
    const size_t obj_index = base + size_t(a.g.coords) * plane;
    const int first = truth_offsets[b];
    const YoloObjectness r = ds::yolo_objectness(a.p, pred, out[obj_index], out + obj_index + plane, plane,
                                                 truths + first, truth_offsets[b + 1] - first);
    delta[obj_index] = r.delta;
    if (r.best_iou > a.truth_thresh) {
      const int k = atomicAdd(positive_count, 1);
      positives[k] = YoloPositive{(long long)q, r.best_truth, r.best_iou};
    }
  });
}

void yolo_gather(size_t cells, size_t entries, size_t stride, const long long* bases, const float* src, float* dst) {
  elementwise(cells * entries, [=] __device__(size_t i) {
    dst[i] = src[size_t(bases[i / entries]) + (i % entries) * stride];
  });
}

void yolo_scatter(size_t cells, size_t entries, size_t stride, const long long* bases, const float* src, float* dst) {
  elementwise(cells * entries, [=] __device__(size_t i) {
    dst[size_t(bases[i / entries]) + (i % entries) * stride] = src[i];
  });
}

YoloSums yolo_loss_sums(const YoloHeadShape& g, bool box_is_mse, bool gaussian, const float* delta, double* scratch) {
  YoloSums s;
  if (g.elements() == 0) return s;
  loss_sums_kernel<<<kYoloSumBlocks, kThreadsPerBlock>>>(g, box_is_mse, gaussian, delta, scratch);
  DS_CUDA_CHECK_LAUNCH();
  double partial[3 * kYoloSumBlocks];
  DS_CUDA_CHECK(cudaMemcpy(partial, scratch, sizeof partial, cudaMemcpyDeviceToHost));
  for (unsigned k = 0; k < kYoloSumBlocks; ++k) s.box += partial[3 * k], s.obj += partial[3 * k + 1],
                                                s.cls += partial[3 * k + 2];
  return s;
}

}  // namespace ds::cuda
