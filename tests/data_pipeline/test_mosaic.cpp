// Tests of the mosaic (mosaic.h): each tile comes from one source, boxes stay in their tile, cut points in
// darknet's 20–80 % range, darknet's move-to-corner table, and mosaic on about half of the loads.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <set>
#include <unistd.h>

#include "core/data/loader.h"
#include "core/data/mosaic.h"

namespace ds {
namespace {

using Colour = std::array<float, 3>;
const std::array<Colour, 8> kColours{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0},
                                      {0, 1, 1}, {1, 0, 1}, {1, 1, 1}, {0.5f, 0.5f, 0.5f}}};

// A uniformly coloured image (jitter padding is the mean colour, so every augmented pixel keeps it) with
// two boxes of class `id`.
SourceImage uniform_source(int id, int w, int h) {
  SourceImage s;
  s.image = Image(w, h, 3);
  for (int ch = 0; ch < 3; ++ch)
    for (int i = 0; i < w * h; ++i) s.image.data[size_t(ch) * w * h + i] = kColours[size_t(id)][size_t(ch)];
  s.labels = {{0.3f, 0.4f, 0.4f, 0.5f, id}, {0.7f, 0.7f, 0.3f, 0.3f, id}};
  return s;
}

AugmentOptions mosaic_options() {
  AugmentOptions o;
  o.jitter = 0.3f;
  o.mosaic = true;
  return o;
}

bool pixel_is(const Image& im, int x, int y, const Colour& c) {
  for (int ch = 0; ch < 3; ++ch)
    if (std::abs(im.at(x, y, ch) - c[size_t(ch)]) > 1e-4f) return false;
  return true;
}

TEST(MosaicTiles, EachTileFromOneSourceAndBoxesInsideTheirTile) {
  const std::array<SourceImage, 4> src{uniform_source(0, 80, 60), uniform_source(1, 60, 90),
                                       uniform_source(2, 100, 100), uniform_source(3, 70, 50)};
  const int w = 96, h = 64;
  size_t boxes_seen = 0;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Rng rng(seed);
    MosaicCut cut;
    const Sample m = make_mosaic({&src[0], &src[1], &src[2], &src[3]}, mosaic_options(), w, h, rng, &cut);
    ASSERT_GE(cut.x, int(w * 0.2f));
    ASSERT_LE(cut.x, int(w * 0.8f));
    ASSERT_GE(cut.y, int(h * 0.2f));
    ASSERT_LE(cut.y, int(h * 0.8f));
    for (int tile = 0; tile < 4; ++tile) {
      const TileRect r = mosaic_tile_rect(cut, tile, w, h);
      for (int y = r.y0; y < r.y1; ++y)
        for (int x = r.x0; x < r.x1; ++x) ASSERT_TRUE(pixel_is(m.image, x, y, kColours[size_t(tile)])) << x << "," << y;
    }
    for (const TruthBox& b : m.boxes) {
      const TileRect r = mosaic_tile_rect(cut, b.cls, w, h);
      EXPECT_GE((b.x - b.w / 2) * w, r.x0 - 1e-3f);
      EXPECT_LE((b.x + b.w / 2) * w, r.x1 + 1e-3f);
      EXPECT_GE((b.y - b.h / 2) * h, r.y0 - 1e-3f);
      EXPECT_LE((b.y + b.h / 2) * h, r.y1 + 1e-3f);
      EXPECT_GT(b.w * w, 1.f);
      EXPECT_GT(b.h * h, 1.f);
    }
    boxes_seen += m.boxes.size();
  }
  EXPECT_GT(boxes_seen, 300u);  // most boxes survive (8 per mosaic)
}

TEST(MosaicTiles, WholeImageBoxBecomesItsTile) {
  // No jitter: every tile image is its source resized, so a box over the whole source is clipped to the tile.
  std::array<SourceImage, 4> src;
  for (int i = 0; i < 4; ++i) {
    src[size_t(i)] = uniform_source(i, 50 + 10 * i, 40);
    src[size_t(i)].labels = {{0.5f, 0.5f, 1.f, 1.f, i}};
  }
  AugmentOptions o = mosaic_options();
  o.jitter = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Rng rng(seed);
    MosaicCut cut;
    const Sample m = make_mosaic({&src[0], &src[1], &src[2], &src[3]}, o, 64, 64, rng, &cut);
    ASSERT_EQ(m.boxes.size(), 4u);
    for (const TruthBox& b : m.boxes) {
      const TileRect r = mosaic_tile_rect(cut, b.cls, 64, 64);
      EXPECT_NEAR((b.x - b.w / 2) * 64, r.x0, 1e-3);
      EXPECT_NEAR((b.x + b.w / 2) * 64, r.x1, 1e-3);
      EXPECT_NEAR((b.y - b.h / 2) * 64, r.y0, 1e-3);
      EXPECT_NEAR((b.y + b.h / 2) * 64, r.y1, 1e-3);
    }
  }
}

TEST(MosaicTiles, MoveToCornerMatchesDarknetTable) {
  // load_data_detection: e.g. tile 0 without flip -> pright += pleft, pleft = 0, pbot += ptop, ptop = 0.
  struct Case {
    int tile;
    bool flip;
    int l, r, t, b;
  };
  const Case cases[] = {{0, false, 0, 7, 0, 11}, {1, false, 7, 0, 0, 11}, {2, false, 0, 7, 11, 0},
                        {3, false, 7, 0, 11, 0}, {0, true, 7, 0, 0, 11},  {1, true, 0, 7, 0, 11},
                        {2, true, 7, 0, 11, 0},  {3, true, 0, 7, 11, 0}};
  for (const Case& c : cases) {
    AugmentPlan p;
    p.pleft = 3, p.pright = 4, p.ptop = 5, p.pbot = 6;
    p.flip = c.flip;
    move_to_corner(p, c.tile);
    EXPECT_EQ(p.pleft, c.l) << c.tile << c.flip;
    EXPECT_EQ(p.pright, c.r) << c.tile << c.flip;
    EXPECT_EQ(p.ptop, c.t) << c.tile << c.flip;
    EXPECT_EQ(p.pbot, c.b) << c.tile << c.flip;
  }
}

TEST(MosaicLoads, UsedOnAboutHalfOfTheLoads) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ds_mosaic_" + std::to_string(getpid()));
  fs::create_directories(dir);
  Dataset data;
  for (int i = 0; i < 8; ++i) {
    const SourceImage s = uniform_source(i, 40 + 4 * i, 36);
    const std::string path = (dir / ("img" + std::to_string(i) + ".png")).string();
    save_image(s.image, path);
    data.images.push_back(path);
    data.labels.push_back(s.labels);
  }
  data.classes = 8;
  AugmentOptions o = mosaic_options();
  o.flip = false;
  int mosaics = 0;
  const int loads = 400;
  for (int k = 0; k < loads; ++k) {
    const Sample s = load_training_sample(data, size_t(k % 8), o, 48, 48, 1000 + uint64_t(k));
    // A plain load is one uniform colour; a mosaic shows several (all four tiles alike: p = 1/512).
    std::set<std::array<int, 3>> colours;
    for (int y = 0; y < 48; y += 3)
      for (int x = 0; x < 48; x += 3)
        colours.insert({int(s.image.at(x, y, 0) * 8 + 0.5f), int(s.image.at(x, y, 1) * 8 + 0.5f),
                        int(s.image.at(x, y, 2) * 8 + 0.5f)});
    mosaics += colours.size() > 1;
  }
  fs::remove_all(dir);
  EXPECT_NEAR(double(mosaics) / loads, 0.5, 0.08);
}

}  // namespace
}  // namespace ds
