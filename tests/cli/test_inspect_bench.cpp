// End-to-end tests of `sweep inspect` and `sweep bench` through the real binary, including the
// exit code 2 and the file:line messages for malformed cfgs, weights and inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/util/npy.h"
#include "tests/support/run_command.h"

using ds::test::run_command;

namespace {

const std::string kSweep = DS_SWEEP_EXE;
const std::string kGolden = std::string(DS_SHARED_DIR) + "/fixtures/darknet_golden";
const std::string kEveryLayer = std::string(DS_SOURCE_DIR) + "/tests/data/every_layer.cfg";

std::string temp_dir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / ("ds_cli_" + std::to_string(getpid()) + "_" + name);
  std::filesystem::create_directories(p);
  return p.string();
}

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

double max_abs_diff(const ds::NpyArray& a, const ds::NpyArray& b) {
  double m = 0;
  for (size_t i = 0; i < a.data.size(); ++i) m = std::max(m, double(std::fabs(a.data[i] - b.data[i])));
  return m;
}

}  // namespace

TEST(E2eInspect, DumpsLayersThatMatchDarknet) {
  std::string out = temp_dir("inspect");
  auto r = run_command(kSweep + " inspect --cfg " + kGolden + "/tinycsp.cfg --weights " + kGolden +
                       "/tinycsp.weights --input " + kGolden + "/input.npy --layers 5,13,19 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"layer_005.npy", "layer_013.npy", "layer_019.npy"}) {
    ds::NpyArray got = ds::read_npy(out + "/" + name), want = ds::read_npy(kGolden + "/forward/" + name);
    ASSERT_EQ(got.shape, want.shape) << name;
    EXPECT_LT(max_abs_diff(got, want), 1e-3) << name;
  }
  EXPECT_FALSE(std::filesystem::exists(out + "/layer_000.npy"));
  std::filesystem::remove_all(out);
}

TEST(E2eInspect, YoloDeltasMatchDarknetInBothBatchNormModes) {
  for (const std::string mode : {"deltas_inference_bn", "deltas_train_bn"}) {
    std::string out = temp_dir(mode);
    auto r = run_command(kSweep + " inspect --cfg " + kGolden + "/tinycsp.cfg --weights " + kGolden +
                         "/tinycsp.weights --input " + kGolden + "/input.npy --layers 14,19 --labels " + kGolden +
                         "/labels.txt --deltas --out " + out + (mode == "deltas_train_bn" ? " --train-bn" : ""));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const char* name : {"delta_014.npy", "delta_019.npy", "layer_014.npy", "layer_019.npy"}) {
      ds::NpyArray got = ds::read_npy(out + "/" + name), want = ds::read_npy(kGolden + "/" + mode + "/" + name);
      ASSERT_EQ(got.shape, want.shape) << mode << " " << name;
      double num = 0, den = 0;
      for (size_t i = 0; i < got.data.size(); ++i) {
        num += double(got.data[i] - want.data[i]) * (got.data[i] - want.data[i]);
        den += double(want.data[i]) * want.data[i];
      }
      EXPECT_LE(std::sqrt(num / den), 1e-3) << mode << " " << name;
    }
    std::filesystem::remove_all(out);
  }
}

TEST(E2eInspect, InitialisedWeightsRoundTripThroughTheCli) {
  std::string out = temp_dir("init");
  std::string base = kSweep + " inspect --cfg " + kGolden + "/tinycsp.cfg --input " + kGolden + "/input.npy --layers 19";
  auto a = run_command(base + " --seed 3 --save-weights " + out + "/init.weights --out " + out + "/a");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  auto b = run_command(base + " --weights " + out + "/init.weights --out " + out + "/b");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  ds::NpyArray la = ds::read_npy(out + "/a/layer_019.npy"), lb = ds::read_npy(out + "/b/layer_019.npy");
  EXPECT_EQ(la.data, lb.data);
  std::filesystem::remove_all(out);
}

TEST(E2eInspect, BadInputsExitTwoWithLocation) {
  std::string dir = temp_dir("bad");
  std::string bad_value = write_file(dir, "bad_value.cfg", "[net]\nwidth=80\nheight=96\nchannels=3\n[convolutional]\nfilters=eight\n");
  auto r = run_command(kSweep + " inspect --cfg " + bad_value + " --input " + kGolden + "/input.npy --out " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad_value.cfg:6"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("filters"), std::string::npos) << r.output;

  std::string bad_section = write_file(dir, "bad_section.cfg", "[net]\nwidth=80\nheight=96\nchannels=3\n[convolution]\n");
  r = run_command(kSweep + " inspect --cfg " + bad_section + " --input " + kGolden + "/input.npy --out " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad_section.cfg:5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("convolutional"), std::string::npos) << r.output;  // lists the valid sections

  std::filesystem::copy_file(kGolden + "/tinycsp.weights", dir + "/cut.weights");
  std::filesystem::resize_file(dir + "/cut.weights", 1000);
  r = run_command(kSweep + " inspect --cfg " + kGolden + "/tinycsp.cfg --weights " + dir + "/cut.weights --input " +
                  kGolden + "/input.npy --out " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("truncated"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("225788"), std::string::npos) << r.output;  // the size the network needs

  r = run_command(kSweep + " inspect --cfg " + kEveryLayer + " --input " + kGolden + "/input.npy --out " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("(N, 3, 16, 16)"), std::string::npos) << r.output;

  r = run_command(kSweep + " inspect --bogus 1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  std::filesystem::remove_all(dir);
}

TEST(E2eBench, PrintsThroughputJson) {
  auto r = run_command(kSweep + " bench --cfg " + kEveryLayer + " --size 32 --batch 2 --iters 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["width"], 32);
  EXPECT_GT(j["images_per_s"].get<double>(), 0);
  EXPECT_GT(j["forward_gflop_per_image"].get<double>(), 0);
  EXPECT_GT(j["sgemm_1024_gflops"].get<double>(), 0);
  EXPECT_GT(j["peak_rss_mb"].get<double>(), 0);
}

// `sweep bench-data`: the Loader's augmented images per second on real synthetic images, with the cfg's
// augmentation and overrides (mosaic here); a size that is not a multiple of 32 is bad input.
TEST(E2eBench, DataPipelinePrintsImagesPerSecondJson) {
  const std::string dir = temp_dir("bench_data");
  auto synth = run_command(kSweep + " data synth --out " + dir + "/data --train 12 --val 1 --size 128 --threads 1");
  ASSERT_EQ(synth.exit_code, 0) << synth.output;
  const std::string base = kSweep + " bench-data --cfg " + std::string(DS_SOURCE_DIR) +
                           "/experiments/cfg/smoke-csp-spp-pan.cfg --data " + dir + "/data/train.txt";
  auto r = run_command(base + " --size 128 --batch 4 --batches 2 net.mosaic=1 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["size"], 128);
  EXPECT_EQ(j["mosaic"], true);
  EXPECT_EQ(j["images"], 12);
  EXPECT_GT(j["images_per_s"].get<double>(), 0);
  r = run_command(base + " --size 100");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("multiple of 32"), std::string::npos) << r.output;
  std::filesystem::remove_all(dir);
}

TEST(E2eBench, DeviceAndPrecisionAreCheckedBeforeWork) {
  auto tpu = run_command(kSweep + " bench --cfg " + kEveryLayer + " --device tpu");
  EXPECT_EQ(tpu.exit_code, 2) << tpu.output;
  EXPECT_NE(tpu.output.find("--device: unknown or unavailable device 'tpu' (this build has: cpu"), std::string::npos)
      << tpu.output;
  auto cpu_mixed = run_command(kSweep + " bench --cfg " + kEveryLayer + " --precision mixed");
  EXPECT_EQ(cpu_mixed.exit_code, 2) << cpu_mixed.output;
  EXPECT_NE(cpu_mixed.output.find("precision 'mixed' needs the cuda device"), std::string::npos) << cpu_mixed.output;
}

TEST(E2eBench, CudaWithoutAGpuFailsClearly) {
  auto devices = run_command(kSweep + " bench --cfg " + kEveryLayer + " --device cuda --precision fp8");
  if (devices.output.find("this build has: cpu)") != std::string::npos) GTEST_SKIP() << "built without CUDA";
  EXPECT_EQ(devices.exit_code, 2) << devices.output;  // an unknown precision is bad input, GPU or not
  EXPECT_NE(devices.output.find("unknown precision 'fp8'"), std::string::npos) << devices.output;
  auto r = run_command(kSweep + " bench --cfg " + kEveryLayer + " --device cuda --iters 1 --warmup 0");
  if (r.exit_code == 0) GTEST_SKIP() << "a GPU is present: the GPU tests (label gpu) cover this machine";
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no usable CUDA device"), std::string::npos) << r.output;
}
