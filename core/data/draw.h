// Drawing truth boxes and their class ids on an Image (for `sweep data preview` and debugging), in the spirit
// of darknet's draw_box_width / draw_detections_v3 (a coloured frame per box, the label on a filled tab).
#pragma once
#include <array>
#include <string>
#include <vector>

#include "core/data/image.h"
#include "core/nn/box.h"

namespace ds {

using Rgb = std::array<float, 3>;  // each in [0, 1]

// A distinct colour per class (darknet's get_color idea: evenly spread hues, repeating after 6 classes·shade).
Rgb class_colour(int cls);

// A frame of `thickness` pixels around a normalised box (clipped to the image).
void draw_box(Image& image, const TruthBox& box, const Rgb& colour, int thickness = 1);
// `text` on a filled tab of `colour` whose top-left is (x, y) in pixels (moved inside the image).
void draw_label(Image& image, int x, int y, const std::string& text, const Rgb& colour);
// Every box with its class id ("3") above its top-left corner.
void draw_truths(Image& image, const std::vector<TruthBox>& boxes);

}  // namespace ds
