// `sweep data preview`: a PNG grid of the first augmented training samples the Loader gives for a seed, with
// their truth boxes and class ids drawn, to check augmentation settings (mosaic, jitter, HSV, random shapes).
// With a classifier --cfg (ending in [softmax]): the classifier's batches (classify.h) instead, each tile
// labelled with its soft target ("3:0.62 1:0.38", classes above 0.05), so MixUp/CutMix/Mosaic/Blur show.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/cfg/cfg.h"
#include "core/data/dataset.h"
#include "core/data/draw.h"
#include "core/data/classify.h"
#include "core/data/loader.h"
#include "core/layers/yolo.h"
#include "core/nn/net_options.h"
#include "core/nn/network.h"
#include "core/train/classifier_trainer.h"
#include "core/train/trainer.h"
#include "core/train/yolo_heads.h"
#include "core/util/error.h"
#include "core/util/rng.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {

namespace {

struct PreviewSettings {
  AugmentOptions options;
  int classes = 80;
  int size = 128;
};

// Without --cfg: the augmentation of the paper's yolov4.cfg (jitter .3, hue .1, saturation and exposure 1.5).
AugmentOptions yolov4_like_options() {
  AugmentOptions o;
  o.jitter = 0.3f, o.hue = 0.1f, o.saturation = 1.5f, o.exposure = 1.5f;
  return o;
}

// The options the trainer would use: [net] colour/flip/mosaic/… and the first [yolo] (or [Gaussian_yolo])'s
// jitter and classes.
void read_cfg_settings(const std::string& path, PreviewSettings& s) {
  const Cfg cfg = parse_cfg_file(path);
  const NetOptions n = parse_net_options(cfg.net());
  if (n.width > 0) s.size = n.width;
  float jitter = s.options.jitter;  // the preview's own without a [yolo]
  if (const CfgSection* yolo = first_yolo_section(cfg)) {
    const YoloOptions y = parse_yolo_options(*yolo);
    jitter = y.jitter;
    s.classes = y.classes;
  }
  s.options = detector_augment_options(n, jitter);
}

// darknet's random training shape (train_detector): round(r·size/32 + 1)·32 with r = rand_scale(1.4),
// kept at `size` when a shrinking draw would grow it.
int random_shape_size(Rng& rng, int size) {
  float r = rng.uniform(1.f, 1.4f);
  if (rng.uniform_int(0, 1)) r = 1.f / r;
  int dim = int(std::lround(r * float(size) / 32.f + 1.f)) * 32;
  if (r < 1.f && dim > size) dim = size;
  return std::max(32, dim);
}

Image batch_image(const Batch& b) {
  Image im(b.w, b.h, b.c);
  std::copy(b.x.begin(), b.x.begin() + std::ptrdiff_t(im.data.size()), im.data.begin());
  return im;
}

// Pastes `tile` centred into cell (col, row) of the grid; the cell's label says its size when shapes vary.
void paste_cell(Image& grid, const Image& tile, int col, int row, int cell, int margin) {
  const int x0 = margin + col * (cell + margin) + (cell - tile.w) / 2;
  const int y0 = margin + row * (cell + margin) + (cell - tile.h) / 2;
  for (int ch = 0; ch < grid.c; ++ch)
    for (int y = 0; y < tile.h; ++y)
      for (int x = 0; x < tile.w; ++x) grid.at(x0 + x, y0 + y, ch) = tile.at(x, y, ch);
}

// The classifier's first `count` training images for a seed (one mini-batch of one each), their targets drawn.
// The classes are the [softmax]'s outputs, as the trainer reads them.
std::vector<Image> classifier_tiles(const std::string& cfg_path, const std::string& list, int count, int size,
                                    uint64_t seed) {
  const Cfg cfg = parse_cfg_file(cfg_path);
  const int num_classes = int(Network(cfg, 1).layer(size_t(classifier_head(cfg).softmax)).out_shape.size());
  const ClassifierAugment aug = classifier_augment(parse_net_options(cfg.net()), cfg_path);
  const Dataset data = read_darknet_list(list, num_classes);
  if (data.images.empty()) throw InputError(list + ": no images");
  const std::vector<int> classes = image_classes(data);
  Rng rng(seed);
  std::vector<Image> tiles;
  for (int i = 0; i < count; ++i) {
    const ClassBatch b = load_classifier_batch(data, classes, num_classes, aug, 1, size, size, rng);
    Image im(size, size, 3);
    std::copy(b.x.begin(), b.x.end(), im.data.begin());
    std::string text;
    for (int k = 0; k < num_classes; ++k)
      if (b.targets[size_t(k)] > 0.05f) {
        char part[32];
        std::snprintf(part, sizeof part, "%s%d:%.2f", text.empty() ? "" : " ", k, b.targets[size_t(k)]);
        text += part;
      }
    draw_label(im, 0, 0, text, {0.9f, 0.9f, 0.9f});
    tiles.push_back(std::move(im));
  }
  return tiles;
}

}  // namespace

int cmd_data_preview(const Argv& argv) {
  const Args a("data preview", argv, {"data", "out", "cfg", "count", "size", "seed", "classes"},
               {"mosaic", "mixup", "letter-box", "random-shapes"});
  PreviewSettings s;
  s.options = yolov4_like_options();
  if (a.has("cfg")) read_cfg_settings(a.require("cfg"), s);
  s.size = a.get_int("size", s.size);
  s.classes = a.get_int("classes", s.classes);
  if (a.has("mosaic")) s.options.mosaic = true;
  if (a.has("mixup")) s.options.mixup = true;
  if (a.has("letter-box")) s.options.letter_box = true;
  const int count = a.get_int("count", 16);
  const uint64_t seed = uint64_t(a.get_int("seed", 0));
  const bool random_shapes = a.has("random-shapes");
  if (count <= 0 || count > 1024) throw InputError("sweep data preview: --count must be in 1..1024");
  if (s.size < 32 || s.size > 4096) throw InputError("sweep data preview: --size must be in 32..4096");
  const std::string out = a.require("out");

  const int cols = int(std::ceil(std::sqrt(double(count)))), rows = (count + cols - 1) / cols, margin = 4;
  auto save_grid = [&](const std::vector<Image>& tiles, int cell) {
    Image grid(margin + cols * (cell + margin), margin + rows * (cell + margin), 3, 0.15f);
    for (int i = 0; i < count; ++i) paste_cell(grid, tiles[size_t(i)], i % cols, i / cols, cell, margin);
    save_image(grid, out);
  };
  if (a.has("cfg") && is_classifier_cfg(parse_cfg_file(a.require("cfg")))) {
    save_grid(classifier_tiles(a.require("cfg"), a.require("data"), count, s.size, seed), s.size);
    std::printf("wrote %s: %d classifier samples with their soft targets\n", out.c_str(), count);
    return kExitOk;
  }
  const Dataset data = read_darknet_list(a.require("data"), s.classes);
  if (data.images.empty()) throw InputError(a.require("data") + ": no images");
  // The same stream the trainer sees for this seed (one sample per call so that each may take its own size).
  Loader loader(data, s.options, seed, 0);
  Rng shape_rng(seed ^ 0x5eedULL);
  std::vector<Image> tiles;
  size_t boxes = 0;
  int largest = s.size;
  for (int i = 0; i < count; ++i) {
    const int dim = random_shapes ? random_shape_size(shape_rng, s.size) : s.size;
    const Batch b = loader.next(1, dim, dim);
    Image im = batch_image(b);
    draw_truths(im, b.truths[0]);
    if (random_shapes) draw_label(im, 0, dim - 12, std::to_string(dim), {0.9f, 0.9f, 0.9f});
    boxes += b.truths[0].size();
    largest = std::max(largest, dim);
    tiles.push_back(std::move(im));
  }

  save_grid(tiles, largest);
  std::printf("wrote %s: %d samples of %zu images (%s%s), %zu boxes\n", out.c_str(), count, data.images.size(),
              s.options.mosaic ? "mosaic on about half, " : "", random_shapes ? "random shapes" : "fixed size", boxes);
  return kExitOk;
}

}  // namespace ds
