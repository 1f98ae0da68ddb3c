// Writes SVG elements as text; the charts decide positions, this file only formats them.
#include "reports/svg.h"

#include <cmath>
#include <cstdio>

namespace ds {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  if (s == "-0") s = "0";
  return s;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  double raw = (hi - lo) / std::max(target, 1);
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * power;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double v = std::floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  if (!ticks.empty() && ticks.back() < hi - step * 1e-9) ticks.push_back(ticks.back() + step);
  return ticks;
}

std::string tick_label(double v, double step) {
  int decimals = step >= 1 ? 0 : int(std::ceil(-std::log10(step) - 1e-9));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

void Svg::rect(double x, double y, double w, double h, const std::string& cls, const std::string& tooltip) {
  body_ += "<rect x=\"" + svg_num(x) + "\" y=\"" + svg_num(y) + "\" width=\"" + svg_num(std::max(w, 0.0)) +
           "\" height=\"" + svg_num(std::max(h, 0.0)) + "\" class=\"" + cls + "\"";
  body_ += tooltip.empty() ? "/>" : "><title>" + xml_escape(tooltip) + "</title></rect>";
}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& cls) {
  body_ += "<line x1=\"" + svg_num(x1) + "\" y1=\"" + svg_num(y1) + "\" x2=\"" + svg_num(x2) + "\" y2=\"" + svg_num(y2) +
           "\" class=\"" + cls + "\"/>";
}

void Svg::text(double x, double y, const std::string& s, const std::string& cls, const std::string& anchor) {
  body_ += "<text x=\"" + svg_num(x) + "\" y=\"" + svg_num(y) + "\"";
  if (!cls.empty()) body_ += " class=\"" + cls + "\"";
  if (anchor != "start") body_ += " text-anchor=\"" + anchor + "\"";
  body_ += ">" + xml_escape(s) + "</text>";
}

void Svg::polyline(const std::vector<std::pair<double, double>>& points, const std::string& cls, const std::string& tooltip) {
  body_ += "<polyline class=\"" + cls + "\" points=\"";
  for (size_t i = 0; i < points.size(); ++i) body_ += (i ? " " : "") + svg_num(points[i].first) + "," + svg_num(points[i].second);
  body_ += "\"";
  body_ += tooltip.empty() ? "/>" : "><title>" + xml_escape(tooltip) + "</title></polyline>";
}

std::string Svg::str() const {
  // No xmlns: inline SVG in HTML5 needs none, and the page must hold no http(s) reference.
  return "<svg viewBox=\"0 0 " + svg_num(width_) + " " + svg_num(height_) + "\" role=\"img\" aria-label=\"" +
         xml_escape(title_) + "\"><title>" + xml_escape(title_) + "</title>" + body_ + "</svg>";
}

}  // namespace ds
