// `sweep bench-data`: how many augmented training images per second the detector's data pipeline (the Loader:
// decode, jitter, HSV, flip, mosaic, mixup, blur, letterbox) delivers at a size, per loader thread, as JSON —
// what a GPU trainer needs from the CPU cores (issue #7). The augmentation comes from the cfg's [net] and first
// [yolo] section, as `sweep train` reads it; overrides (net.mosaic=1 ...) patch it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/cfg/cfg.h"
#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/train/trainer.h"
#include "core/train/yolo_heads.h"
#include "core/util/error.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {

int cmd_bench_data(const Argv& argv) {
  Args args("bench-data", argv, {"cfg", "data", "size", "batch", "batches", "threads", "seed"});
  const std::string cfg_path = args.require("cfg");
  Cfg cfg = parse_cfg_file(cfg_path);
  apply_overrides(cfg, args.positional());
  const NetOptions net = parse_net_options(cfg.net());
  const CfgSection* yolo = first_yolo_section(cfg);
  if (!yolo) throw InputError(cfg_path + ": a detector cfg needs a [yolo] layer");
  const YoloOptions yolo_options = parse_yolo_options(*yolo);
  const AugmentOptions aug = detector_augment_options(net, yolo_options.jitter);
  const int size = args.get_int("size", net.width), batch = args.get_int("batch", 64);
  const int batches = args.get_int("batches", 5), threads = args.get_int("threads", 1);
  if (size <= 0 || size % 32 != 0) throw InputError("sweep bench-data: --size must be a positive multiple of 32");
  if (batch <= 0 || batches <= 0 || threads <= 0)
    throw InputError("sweep bench-data: --batch, --batches and --threads must be > 0");
  const Dataset data = read_darknet_list(args.require("data"), yolo_options.classes);
  if (data.images.empty()) throw InputError(args.require("data") + ": no images");

  Loader loader(data, aug, uint64_t(args.get_int("seed", 1)), threads);
  loader.next(batch, size, size);  // warm-up: threads started, first images decoded
  std::vector<double> times;
  for (int i = 0; i < batches; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    loader.next(batch, size, size);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  const nlohmann::json out = {
      {"cfg", cfg_path}, {"size", size}, {"batch", batch}, {"batches", batches}, {"threads", threads},
      {"mosaic", aug.mosaic}, {"mixup", aug.mixup}, {"blur", aug.blur}, {"jitter", aug.jitter},
      {"letter_box", aug.letter_box}, {"images", data.images.size()},
      {"median_batch_s", median}, {"images_per_s", batch / median}, {"images_per_s_per_thread", batch / median / threads},
  };
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

}  // namespace ds
