// Mosaic (the paper's M, darknet's mosaic=1): four training images cut at a random point and tiled into one,
// as AlexeyAB data.c load_data_detection does for use_mixup == 3 (cut_x/cut_y, per-tile shifts, blend_truth_mosaic).
#pragma once
#include <array>

#include "core/data/augment.h"

namespace ds {

// The cut point in network pixels: darknet's rand_int(w·0.2, w·0.8), rand_int(h·0.2, h·0.8).
struct MosaicCut {
  int x = 0, y = 0;
};
MosaicCut draw_mosaic_cut(Rng& rng, int w, int h);

// Tile t's region of the w x h mosaic, [x0, x1) x [y0, y1): 0 top-left, 1 top-right, 2 bottom-left,
// 3 bottom-right of the cut.
struct TileRect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};
TileRect mosaic_tile_rect(MosaicCut cut, int tile, int w, int h);

// darknet's "move each 2nd image to the corner" (applied to half of the tiles): all of the jitter goes to
// the sides that meet the cut, so that most of the image stays visible in its tile.
void move_to_corner(AugmentPlan& plan, int tile);

// The mosaic of four sources (tile t from sources[t]), each augmented at w x h with its own plan; truths
// shifted with their tile and clipped to it; those under one network pixel dropped. `cut_out` (tests,
// previews) receives the cut point.
Sample make_mosaic(const std::array<const SourceImage*, 4>& sources, const AugmentOptions& options, int w, int h,
                   Rng& rng, MosaicCut* cut_out = nullptr);

}  // namespace ds
