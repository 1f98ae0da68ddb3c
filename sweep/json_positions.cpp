// A minimal recursive scanner over already-validated JSON that records the start of every value.
#include "sweep/json_positions.h"

namespace ds {
namespace {

class Scanner {
 public:
  Scanner(const std::string& text, JsonPositions& out) : text_(text), out_(out) {}

  void value(const std::string& path) {
    skip_space();
    out_.of_path[path] = {line_, column()};
    if (at_end()) return;
    char c = text_[pos_];
    if (c == '{') {
      object(path);
    } else if (c == '[') {
      array(path);
    } else if (c == '"') {
      string();
    } else {
      while (!at_end() && !is_delimiter(text_[pos_])) advance();
    }
  }

 private:
  const std::string& text_;
  JsonPositions& out_;
  size_t pos_ = 0, line_start_ = 0;
  int line_ = 1;

  bool at_end() const { return pos_ >= text_.size(); }
  int column() const { return int(pos_ - line_start_) + 1; }
  static bool is_delimiter(char c) {
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }
  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }
  void skip_space() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      advance();
  }
  // Returns the string's content with the simple escapes decoded (enough for object keys).
  std::string string() {
    std::string s;
    advance();  // opening quote
    while (!at_end() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
        advance();
        char e = text_[pos_];
        s += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        s += text_[pos_];
      }
      advance();
    }
    if (!at_end()) advance();  // closing quote
    return s;
  }
  void object(const std::string& path) {
    advance();
    std::map<std::string, bool> seen;
    for (;;) {
      skip_space();
      if (at_end() || text_[pos_] == '}') break;
      if (text_[pos_] == ',') {
        advance();
        continue;
      }
      std::string key = string();
      std::string child = json_child(path, key);
      if (seen[key] && out_.duplicate_key_path.empty()) out_.duplicate_key_path = child;
      seen[key] = true;
      skip_space();
      if (!at_end() && text_[pos_] == ':') advance();
      value(child);
    }
    if (!at_end()) advance();
  }
  void array(const std::string& path) {
    advance();
    size_t index = 0;
    for (;;) {
      skip_space();
      if (at_end() || text_[pos_] == ']') break;
      if (text_[pos_] == ',') {
        advance();
        continue;
      }
      value(json_index(path, index++));
    }
    if (!at_end()) advance();
  }
};

}  // namespace

JsonPositions scan_json_positions(const std::string& text) {
  JsonPositions out;
  Scanner(text, out).value("");
  return out;
}

std::string json_child(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string json_index(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

JsonPosition position_of_offset(const std::string& text, size_t offset) {
  JsonPosition p{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

}  // namespace ds
