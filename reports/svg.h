// A minimal writer of inline SVG (shapes, text, polylines) and axis helpers, for the HTML report's charts.
// Colours come from CSS classes of the page, so the markup stays small and restylable.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace ds {

// &, <, >, " and ' as entities: safe in HTML text and attribute values.
std::string xml_escape(const std::string& s);
// Coordinates with at most one decimal, no trailing zeros: "12", "12.5".
std::string svg_num(double v);
// About `target` round tick values (1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target = 5);
// A tick's label: as few decimals as the step needs.
std::string tick_label(double v, double step);

class Svg {
 public:
  Svg(double width, double height, std::string title) : width_(width), height_(height), title_(std::move(title)) {}
  void rect(double x, double y, double w, double h, const std::string& cls, const std::string& tooltip = "");
  void line(double x1, double y1, double x2, double y2, const std::string& cls);
  // anchor: start | middle | end
  void text(double x, double y, const std::string& s, const std::string& cls = "", const std::string& anchor = "start");
  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& cls, const std::string& tooltip = "");
  std::string str() const;  // <svg viewBox=...> with a <title> for screen readers and hovering

 private:
  double width_, height_;
  std::string title_;
  std::string body_;
};

}  // namespace ds
