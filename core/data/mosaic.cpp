// Mosaic with darknet's semantics; see mosaic.h.
#include "core/data/mosaic.h"

#include <algorithm>

namespace ds {

MosaicCut draw_mosaic_cut(Rng& rng, int w, int h) {
  const float min_offset = 0.2f;  // darknet: 20 % .. 80 % of the width and height
  MosaicCut c;
  c.x = rng.uniform_int(int(float(w) * min_offset), int(float(w) * (1 - min_offset)));
  c.y = rng.uniform_int(int(float(h) * min_offset), int(float(h) * (1 - min_offset)));
  return c;
}

TileRect mosaic_tile_rect(MosaicCut cut, int tile, int w, int h) {
  const bool right = tile == 1 || tile == 3, bottom = tile >= 2;
  return {right ? cut.x : 0, bottom ? cut.y : 0, right ? w : cut.x, bottom ? h : cut.y};
}

void move_to_corner(AugmentPlan& p, int tile) {
  // All of the jitter goes to the sides that meet the cut (mirrored when the plan flips, since the crop is
  // flipped after it is taken); padding there is then skipped by the tile's shift, so the image's own
  // pixels reach the cut.
  const bool cut_on_right = (tile == 0 || tile == 2) != p.flip;
  if (cut_on_right) p.pright += p.pleft, p.pleft = 0;
  else p.pleft += p.pright, p.pright = 0;
  if (tile <= 1) p.pbot += p.ptop, p.ptop = 0;
  else p.ptop += p.pbot, p.pbot = 0;
}

namespace {

// How far (network pixels) each side of the augmented tile image is padding, capped by the tile's size
// (darknet's left_shift, right_shift, top_shift, bot_shift; pleft/pright swapped by a flip).
struct Shifts {
  int left, right, top, bot;
};

Shifts padding_shifts(const AugmentPlan& p, MosaicCut cut, int ow, int oh, int w, int h) {
  const int pleft = p.flip ? p.pright : p.pleft, pright = p.flip ? p.pleft : p.pright;
  Shifts s;
  s.left = std::min(cut.x, std::max(0, -pleft * w / ow));
  s.top = std::min(cut.y, std::max(0, -p.ptop * h / oh));
  s.right = std::min(w - cut.x, std::max(0, -pright * w / ow));
  s.bot = std::min(h - cut.y, std::max(0, -p.pbot * h / oh));
  return s;
}

// Where tile t's region starts in its augmented image: the part next to the cut, past the padding.
void source_origin(int tile, MosaicCut cut, const Shifts& s, int w, int h, int& sx0, int& sy0) {
  const bool right = tile == 1 || tile == 3, bottom = tile >= 2;
  sx0 = right ? s.left : w - cut.x - s.right;
  sy0 = bottom ? s.top : h - cut.y - s.bot;
}

void paste_tile(Image& canvas, const Image& tile_image, const TileRect& r, int sx0, int sy0) {
  for (int ch = 0; ch < canvas.c; ++ch)
    for (int y = r.y0; y < r.y1; ++y)
      for (int x = r.x0; x < r.x1; ++x) canvas.at(x, y, ch) = tile_image.at(sx0 + x - r.x0, sy0 + y - r.y0, ch);
}

// blend_truth_mosaic with the boxes clipped to their tile (the mosaic_bound behaviour).
void add_tile_truths(std::vector<TruthBox>& out, const std::vector<TruthBox>& truths, const TileRect& r, int sx0,
                     int sy0, int w, int h) {
  const float dx = float(r.x0 - sx0), dy = float(r.y0 - sy0);
  for (const TruthBox& t : truths) {
    if (out.size() >= size_t(kMaxTruths)) return;
    const float left = std::max(float(r.x0), (t.x - t.w / 2) * w + dx);
    const float right = std::min(float(r.x1), (t.x + t.w / 2) * w + dx);
    const float top = std::max(float(r.y0), (t.y - t.h / 2) * h + dy);
    const float bot = std::min(float(r.y1), (t.y + t.h / 2) * h + dy);
    // darknet keeps a box only if it is wider and higher than one network pixel.
    if (right - left <= 1.f || bot - top <= 1.f) continue;
    out.push_back({(left + right) / 2 / w, (top + bot) / 2 / h, (right - left) / w, (bot - top) / h, t.cls});
  }
}

}  // namespace

Sample make_mosaic(const std::array<const SourceImage*, 4>& sources, const AugmentOptions& o, int w, int h,
                   Rng& rng, MosaicCut* cut_out) {
  const MosaicCut cut = draw_mosaic_cut(rng, w, h);
  if (cut_out) *cut_out = cut;
  Sample out;
  out.image = Image(w, h, sources[0]->image.c, 0.f);
  for (int tile = 0; tile < 4; ++tile) {
    const SourceImage& src = *sources[size_t(tile)];
    AugmentPlan plan = draw_augment_plan(rng, o, src.image.w, src.image.h, w, h);
    if (rng.uniform_int(0, 1) == 0) move_to_corner(plan, tile);
    const Sample ai = apply_augment_plan(src, plan, w, h, rng);
    const Shifts shifts = padding_shifts(plan, cut, src.image.w, src.image.h, w, h);
    int sx0 = 0, sy0 = 0;
    source_origin(tile, cut, shifts, w, h, sx0, sy0);
    const TileRect r = mosaic_tile_rect(cut, tile, w, h);
    paste_tile(out.image, ai.image, r, sx0, sy0);
    add_tile_truths(out.boxes, ai.boxes, r, sx0, sy0, w, h);
  }
  return out;
}

}  // namespace ds
