// `sweep data synth`: writes a synthetic detection (or, with --classify, classification) data set that is
// bit-identical for a seed; the layout and the classification label convention are described in core/data/synth.h.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/data/synth.h"
#include "core/util/error.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {

namespace {

const char* kHelp =
    "usage: sweep data synth --out DIR [--train 1000] [--val 200] [--seed 1] [--size 256] [--classes 4]\n"
    "                        [--difficulty hard] [--classify] [--threads 0]\n"
    "  Shapes (disc, square, triangle, cross, ring, star, hexagon, arrow: the first --classes of them) in random\n"
    "  colours on textured backgrounds with clutter and partial occlusion, 1-6 per image, COCO small to large.\n"
    "  Writes DIR/images/{train,val}_NNNNNN.png with darknet labels (.txt) beside them, DIR/train.txt and\n"
    "  DIR/val.txt (darknet lists, paths relative to DIR), DIR/instances_{train,val}.json (COCO; image ids\n"
    "  1..N in list order, category ids 0..K-1 = class indices) and DIR/classes.names.\n"
    "  --difficulty easy|medium|hard (hard): hard is the full textures, clutter and 4-70 % objects (slow to learn);\n"
    "  medium has smoother backgrounds, less clutter and noise, objects 6-70 %: the smoke scale; easy is a plain\n"
    "  gradient, no clutter, objects 10-60 %: to check that a network learns at all.\n"
    "  --classify: one object per image filling most of it; the class name is in the file name\n"
    "  (images/train_000001_disc.png: darknet's classifier convention, the label named in the path), and the\n"
    "  .txt beside each image holds its one box, so train.txt is also a darknet detection list.\n"
    "  The same options give the same bytes, whatever --threads (0: one per hardware thread).\n";

}  // namespace

int cmd_data_synth(const Argv& argv) {
  for (const auto& a : argv)
    if (a == "--help" || a == "-h") return std::fputs(kHelp, stdout), kExitOk;
  Args args("data synth", argv, {"out", "train", "val", "seed", "size", "classes", "difficulty", "threads"}, {"classify"});
  SynthOptions o;
  o.out_dir = args.require("out");
  o.train = args.get_int("train", o.train);
  o.val = args.get_int("val", o.val);
  const int seed = args.get_int("seed", 1);
  if (seed < 0) throw InputError("sweep data synth: --seed must be >= 0, got " + std::to_string(seed));
  o.seed = uint64_t(seed);
  o.size = args.get_int("size", o.size);
  o.classes = args.get_int("classes", o.classes);
  o.classify = args.has("classify");
  o.difficulty = parse_synth_difficulty(args.get("difficulty", "hard"));
  o.threads = args.get_int("threads", 0);

  const auto start = std::chrono::steady_clock::now();
  const SynthSummary s = write_synth_dataset(o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::ordered_json out = {{"out", o.out_dir},         {"train", o.train},     {"val", o.val},
                                {"seed", o.seed},           {"size", o.size},       {"classes", o.classes},
                                {"difficulty", synth_difficulty_name(o.difficulty)},
                                {"classify", o.classify},   {"images", s.images},   {"objects", s.objects},
                                {"small", s.small},         {"medium", s.medium},   {"large", s.large},
                                {"seconds", std::round(seconds * 1000) / 1000}};
  std::cout << out.dump() << std::endl;
  return kExitOk;
}

}  // namespace ds
