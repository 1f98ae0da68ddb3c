// Synthetic data sets for smoke-scale ablations: shapes of several classes on textured, cluttered backgrounds,
// written as darknet lists (+ .txt labels beside the images) and as COCO instances JSON, bit-identical for a seed.
//
// Layout written under `out_dir` (detection and --classify alike):
//   images/train_000001.png, images/train_000001.txt, ...   PNG images, darknet labels "class cx cy w h" beside
//   images/val_000001.png, ...                              (classify: images/train_000001_<class>.png)
//   train.txt, val.txt                                       darknet lists, paths relative to out_dir
//   instances_train.json, instances_val.json                 COCO: image ids 1..N in list order, category ids
//                                                            0..K-1 (= the darknet class indices, so that
//                                                            detections from either reader match), bbox in pixels
//   classes.names                                            one class name per line
// The lists are written last (atomically): a train.txt means a complete data set.
//
// Classification (--classify): one object per image filling most of it. The class is in the file name
// (darknet's classifier convention: the label whose name occurs in the path; no class name is part of another
// or of "train"/"val"/"images"), and the .txt beside the image also holds its one box, so read_darknet_list
// reads a classification set too (labels[i][0].cls).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ds {

// How hard the images are. hard: the generator's full textures and clutter (a small network learns slowly
// and does not saturate). medium: smoother backgrounds, less clutter and noise, no object under 6 % of
// the image: what the smoke-scale detector learns within minutes on a CPU. easy: a plain gradient
// background, no clutter, objects 10-60 % of the image: for checking that a network learns at all.
enum class SynthDifficulty { easy, medium, hard };

// "easy" / "medium" / "hard"; InputError listing them otherwise.
SynthDifficulty parse_synth_difficulty(const std::string& name);
const char* synth_difficulty_name(SynthDifficulty d);

struct SynthOptions {
  std::string out_dir;
  int train = 1000, val = 200;
  uint64_t seed = 1;
  int size = 256;        // square images of size × size pixels
  int classes = 4;       // 1..8 shape classes: disc, square, triangle, cross, ring, star, hexagon, arrow
  bool classify = false;
  SynthDifficulty difficulty = SynthDifficulty::hard;
  int threads = 0;       // 0: one per hardware thread (the output does not depend on it)
};

// One labelled object: its class and its pixel box (top-left x, y, width, height), clipped to the image.
struct SynthObject {
  int cls = 0;
  double x = 0, y = 0, w = 0, h = 0;
};

// One generated image: its PNG bytes and its objects.
struct SynthImage {
  std::string png;
  std::vector<SynthObject> objects;
};

// What was written: images and objects, and the objects by COCO area range (small < 32², large > 96² px²).
struct SynthSummary {
  int images = 0, objects = 0;
  int small = 0, medium = 0, large = 0;
};

// The class names for `classes` classes (InputError outside 1..8).
std::vector<std::string> synth_class_names(int classes);

// Generates one image from its own seed (pure: the same arguments give the same bytes).
SynthImage synth_image(int size, int classes, bool classify, uint64_t seed,
                       SynthDifficulty difficulty = SynthDifficulty::hard);

// Writes the whole data set (layout above); InputError for bad options or an unwritable folder.
SynthSummary write_synth_dataset(const SynthOptions& options);

}  // namespace ds
