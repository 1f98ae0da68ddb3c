// `sweep bench`: forward+backward+update throughput of a cfg at a given input size and mini-batch,
// printed as JSON (images/s, achieved GFLOP/s, peak memory), beside OpenBLAS sgemm's GFLOP/s.
#include <cblas.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/backend/device.h"
#include "core/nn/network.h"
#include "core/nn/sgd.h"
#include "core/util/error.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}

// Median GFLOP/s of C = A·B for an m×k by k×n product (the shape a convolution's GEMM has).
double sgemm_gflops(int m, int n, int k, int repeats) {
  std::vector<float> a(size_t(m) * k, 0.5f), b(size_t(k) * n, 0.25f), c(size_t(m) * n);
  std::vector<double> times;
  for (int r = 0; r < repeats + 1; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f, c.data(), n);
    if (r > 0) times.push_back(seconds_since(t0));  // the first call warms caches and threads
  }
  return 2.0 * m * n * k / median(times) / 1e9;
}

}  // namespace

int cmd_bench(const Argv& argv) {
  Args args("bench", argv, {"cfg", "size", "batch", "iters", "warmup", "seed", "device", "precision"});
  const std::string device = args.get("device", "cpu"), precision = args.get("precision", "fp32");
  check_device(device, "--device", precision);
  const std::string cfg_path = args.require("cfg");
  Cfg cfg = parse_cfg_file(cfg_path);
  if (args.has("size")) {
    apply_override(cfg, "net.width=" + args.get("size", ""));
    apply_override(cfg, "net.height=" + args.get("size", ""));
  }
  const int batch = args.get_int("batch", 1);
  const int iters = args.get_int("iters", 5), warmup = args.get_int("warmup", 1);
  Network net(cfg, batch);
  Rng rng(uint64_t(args.get_int("seed", 1)));
  net.init_params(rng);
  use_device(net, device, precision);
  Accelerator* accelerator = net.accelerator();
  Shape in = net.input_shape();
  std::vector<float> x(size_t(batch) * in.size());
  for (auto& v : x) v = rng.uniform();

  std::vector<double> step_times;
  for (int it = 0; it < warmup + iters; ++it) {
    if (it == warmup) net.set_profiling(true);  // per-layer times: on the CPU only (device work is asynchronous)
    auto t0 = std::chrono::steady_clock::now();
    net.forward(x.data(), /*train=*/true, &rng, it);
    // A synthetic training signal on the last layer stands in for a loss.
    Tensor d = net.delta(net.num_layers() - 1);
    for (size_t i = 0; i < d.size(); ++i) d.data[i] = 0.01f * (rng.uniform() - 0.5f);
    net.sync_delta_to_device(net.num_layers() - 1);
    net.backward(x.data());
    sgd_step(net, 1e-4f);
    if (accelerator) accelerator->synchronize();
    if (it >= warmup) step_times.push_back(seconds_since(t0));
  }

  // Convolution-only throughput, from the per-layer profile.
  double conv_flops = 0, conv_fwd_s = 0, conv_bwd_s = 0;
  int largest = -1;
  for (size_t i = 0; i < net.num_layers(); ++i) {
    if (net.layer(i).type() != "convolutional") continue;
    conv_flops += net.layer(i).forward_flops();
    conv_fwd_s += net.forward_seconds()[i];
    conv_bwd_s += net.backward_seconds()[i];
    if (largest < 0 || net.layer(i).forward_flops() > net.layer(size_t(largest)).forward_flops()) largest = int(i);
  }
  const double step = median(step_times);
  const double fwd_flops = net.forward_flops() * batch;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);

  nlohmann::json out = {
      {"cfg", cfg_path},
      {"device", device},
      {"precision", precision},
      {"width", in.w},
      {"height", in.h},
      {"mini_batch", batch},
      {"iters", iters},
      {"threads", openblas_get_num_threads()},
      {"median_step_s", step},
      {"images_per_s", batch / step},
      {"forward_gflop_per_image", net.forward_flops() / 1e9},
      // forward + backward ≈ 3x the forward's multiply-adds (data and weight gradients)
      {"train_gflops_achieved", 3.0 * fwd_flops / step / 1e9},
      {"conv_forward_gflops", conv_fwd_s > 0 ? conv_flops * batch * iters / conv_fwd_s / 1e9 : 0.0},
      {"conv_backward_gflops", conv_bwd_s > 0 ? 2.0 * conv_flops * batch * iters / conv_bwd_s / 1e9 : 0.0},
      {"peak_rss_mb", double(ru.ru_maxrss) / 1024.0},
  };
  if (accelerator) {
    out["device_memory_in_use_mb"] = double(accelerator->memory_in_use_bytes()) / double(1 << 20);
    out.erase("conv_forward_gflops");
    out.erase("conv_backward_gflops");
  }
  if (largest >= 0 && !accelerator) {
    // The largest convolution's GEMM, and a square one, through OpenBLAS directly.
    const Layer& l = net.layer(size_t(largest));
    const double per_image = l.forward_flops() / 2.0;  // multiply-adds = M*N*K
    const int m = l.out_shape.c, n = l.out_shape.h * l.out_shape.w;
    const int k = int(per_image / (double(m) * n));
    out["sgemm_largest_conv"] = {{"layer", largest}, {"m", m}, {"n", n}, {"k", k},
                                 {"gflops", sgemm_gflops(m, n, k, 5)}};
    out["sgemm_1024_gflops"] = sgemm_gflops(1024, 1024, 1024, 5);
  }
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

}  // namespace ds
