// darknet .cfg parsing (darknet's read_cfg/read_option, with line numbers kept) and typed option access.
#include "core/cfg/cfg.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/util/error.h"

namespace ds {
namespace {

// darknet's strip(): removes every whitespace character, also inside the line.
std::string strip_all_space(const std::string& s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

// darknet's string_to_layer_type accepts a few short names; we keep one name per type.
std::string canonical_type(const std::string& t) {
  static const std::map<std::string, std::string> aliases = {
      {"network", "net"}, {"conv", "convolutional"}, {"max", "maxpool"},
      {"avg", "avgpool"}, {"soft", "softmax"},
  };
  auto it = aliases.find(t);
  return it == aliases.end() ? t : it->second;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) parts.push_back(item);
  if (!s.empty() && s.back() == ',') parts.push_back("");  // a trailing comma is an empty item
  return parts;
}

bool parse_int(const std::string& s, int& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE || v < -2147483647L || v > 2147483647L) return false;
  out = int(v);
  return true;
}

bool parse_float(const std::string& s, float& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  float v = std::strtof(s.c_str(), &end);
  if (*end != '\0' || errno == ERANGE) return false;
  out = v;
  return true;
}

}  // namespace

const CfgOption* CfgSection::find(const std::string& key) const {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  auto it = options.find(key);
  if (it == options.end()) return nullptr;
  it->second.used = true;
  return &it->second;
}

bool CfgSection::has(const std::string& key) const { return find(key) != nullptr; }

void CfgSection::fail(const std::string& key, const std::string& message) const {
  auto it = options.find(key);
  int at = it == options.end() ? line : it->second.line;
  std::string where = (it != options.end() && at == 0) ? file + " (override)" : file;
  throw InputError(at_location(where, at, "[" + type + "] " + key + ": " + message));
}

int CfgSection::get_int(const std::string& key, int fallback) const {
  const CfgOption* o = find(key);
  if (!o) return fallback;
  int v = 0;
  if (!parse_int(o->value, v)) fail(key, "expected an integer, got '" + o->value + "'");
  return v;
}

int CfgSection::require_int(const std::string& key) const {
  if (!has(key)) fail(key, "required option is missing");
  return get_int(key, 0);
}

float CfgSection::get_float(const std::string& key, float fallback) const {
  const CfgOption* o = find(key);
  if (!o) return fallback;
  float v = 0;
  if (!parse_float(o->value, v)) fail(key, "expected a number, got '" + o->value + "'");
  return v;
}

std::string CfgSection::get_string(const std::string& key, const std::string& fallback) const {
  const CfgOption* o = find(key);
  return o ? o->value : fallback;
}

std::string CfgSection::get_choice(const std::string& key, const std::string& fallback,
                                   const std::vector<std::string>& choices) const {
  std::string v = get_string(key, fallback);
  if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
    std::string valid;
    for (const auto& c : choices) valid += (valid.empty() ? "" : ", ") + c;
    fail(key, "'" + v + "' is not valid; valid values: " + valid);
  }
  return v;
}

std::vector<int> CfgSection::get_int_list(const std::string& key) const {
  std::vector<int> out;
  const CfgOption* o = find(key);
  if (!o) return out;
  for (const auto& item : split_commas(o->value)) {
    int v = 0;
    if (!parse_int(item, v)) fail(key, "expected a comma-separated list of integers, got '" + o->value + "'");
    out.push_back(v);
  }
  return out;
}

std::vector<float> CfgSection::get_float_list(const std::string& key) const {
  std::vector<float> out;
  const CfgOption* o = find(key);
  if (!o) return out;
  for (const auto& item : split_commas(o->value)) {
    float v = 0;
    if (!parse_float(item, v)) fail(key, "expected a comma-separated list of numbers, got '" + o->value + "'");
    out.push_back(v);
  }
  return out;
}

void CfgSection::check_all_used() const {
  for (const auto& [key, opt] : options) {
    if (opt.used) continue;
    std::vector<std::string> known = known_;
    std::sort(known.begin(), known.end());
    std::string valid;
    for (const auto& k : known) valid += (valid.empty() ? "" : ", ") + k;
    fail(key, "unknown option; options of [" + type + "]: " + valid);
  }
}

Cfg parse_cfg_text(const std::string& text, const std::string& name) {
  Cfg cfg;
  cfg.file = name;
  std::istringstream in(text);
  std::string raw;
  int line_no = 0, layer_index = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string line = strip_all_space(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      if (line.back() != ']' || line.size() < 3)
        throw InputError(at_location(name, line_no, "malformed section header '" + line + "'"));
      CfgSection s;
      s.type = canonical_type(line.substr(1, line.size() - 2));
      s.file = name;
      s.line = line_no;
      bool is_net = s.type == "net";
      if (cfg.sections.empty() && !is_net)
        throw InputError(at_location(name, line_no, "the first section must be [net] or [network], got " + line));
      if (!cfg.sections.empty() && is_net)
        throw InputError(at_location(name, line_no, "[net] may appear only once, as the first section"));
      s.layer_index = is_net ? -1 : layer_index++;
      cfg.sections.push_back(std::move(s));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError(at_location(name, line_no, "expected 'key=value' or '[section]', got '" + line + "'"));
    if (cfg.sections.empty())
      throw InputError(at_location(name, line_no, "option before the first section: '" + line + "'"));
    CfgSection& s = cfg.sections.back();
    std::string key = line.substr(0, eq);
    if (s.options.count(key))
      throw InputError(at_location(name, line_no, "[" + s.type + "] " + key + " is given twice (first at line " +
                                                      std::to_string(s.options[key].line) + ")"));
    s.options[key] = CfgOption{line.substr(eq + 1), line_no, false};
  }
  if (cfg.sections.empty()) throw InputError(name + ": no sections (expected [net] first)");
  if (cfg.num_layers() == 0) throw InputError(name + ": no layers after [net]");
  return cfg;
}

Cfg parse_cfg_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path + ": cannot open cfg file");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_cfg_text(ss.str(), path);
}

std::string to_cfg_text(const Cfg& cfg) {
  std::string out;
  for (const auto& s : cfg.sections) {
    out += "[" + s.type + "]\n";
    for (const auto& [k, o] : s.options) out += k + "=" + o.value + "\n";
    out += "\n";
  }
  return out;
}

void apply_override(Cfg& cfg, const std::string& text) {
  std::string t = strip_all_space(text);
  // An optional filter "TYPE[fkey=fvalue]" before the dot keeps only the sections where fkey is set to fvalue.
  std::string filter_key, filter_value;
  const auto open = t.find('['), close = t.find(']');
  if (open != std::string::npos && open < t.find('.')) {
    const std::string filter = close == std::string::npos ? "" : t.substr(open + 1, close - open - 1);
    const auto feq = filter.find('=');
    if (feq == std::string::npos || feq == 0 || open == 0)
      throw InputError(cfg.file + ": override '" + text + "': a section filter must look like 'TYPE[key=value].key=value'");
    filter_key = filter.substr(0, feq);
    filter_value = filter.substr(feq + 1);
    t = t.substr(0, open) + t.substr(close + 1);
  }
  auto eq = t.find('=');
  auto dot = t.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 || dot + 1 == eq)
    throw InputError(cfg.file + ": override '" + text +
                     "' must look like 'net.key=value', 'LAYER_INDEX.key=value', 'SECTION_TYPE.key=value' or "
                     "'SECTION_TYPE[key=value].key=value'");
  std::string target = t.substr(0, dot), key = t.substr(dot + 1, eq - dot - 1), value = t.substr(eq + 1);
  int index = 0;
  std::vector<CfgSection*> hits;
  if (!filter_key.empty() && parse_int(target, index))
    throw InputError(cfg.file + ": override '" + text + "': a section filter needs a section type, not a layer index");
  if (parse_int(target, index)) {
    if (index < 0 || size_t(index) >= cfg.num_layers())
      throw InputError(cfg.file + ": override '" + text + "': layer " + target + " does not exist (the cfg has " +
                       std::to_string(cfg.num_layers()) + " layers, 0.." + std::to_string(cfg.num_layers() - 1) + ")");
    hits.push_back(&cfg.sections[size_t(index) + 1]);
  } else {
    std::string type = canonical_type(target);
    for (auto& s : cfg.sections)
      if (s.type == type) hits.push_back(&s);
    if (hits.empty()) {
      std::vector<std::string> types;
      for (const auto& s : cfg.sections)
        if (std::find(types.begin(), types.end(), s.type) == types.end()) types.push_back(s.type);
      std::string valid;
      for (const auto& ty : types) valid += (valid.empty() ? "" : ", ") + ty;
      throw InputError(cfg.file + ": override '" + text + "': the cfg has no [" + type +
                       "] section; its sections: " + valid);
    }
    if (!filter_key.empty()) {
      std::erase_if(hits, [&](const CfgSection* s) {
        auto it = s->options.find(filter_key);
        return it == s->options.end() || it->second.value != filter_value;
      });
      if (hits.empty())
        throw InputError(cfg.file + ": override '" + text + "': no [" + type + "] section has " + filter_key + "=" +
                         filter_value);
    }
  }
  for (CfgSection* s : hits) s->options[key] = CfgOption{value, 0, false};
}

void apply_overrides(Cfg& cfg, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) apply_override(cfg, o);
}

}  // namespace ds
