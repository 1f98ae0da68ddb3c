// darknet .cfg files: parsing (keeping file:line), typed option access with darknet's defaults,
// overrides that let a sweep patch a cfg, and the check that every option given was understood.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace ds {

// One `key=value` line of a section.
struct CfgOption {
  std::string value;
  int line = 0;
  mutable bool used = false;  // set by the typed getters; unused options are errors (check_all_used)
};

// One `[type]` section. Getters return darknet's default when the key is absent and throw
// InputError naming file:line, section, key and the expected form when the value is malformed.
// Every getter records the key as known, so check_all_used() can list the valid keys.
class CfgSection {
 public:
  std::string type;   // normalised: "[network]" -> "net"; "[conv]" -> "convolutional" (darknet's aliases)
  std::string file;   // the cfg's path (or a name for text parsed from memory)
  int line = 0;       // line of the "[type]" header
  int layer_index = -1;  // index among layer sections (-1 for [net])
  std::map<std::string, CfgOption> options;

  bool has(const std::string& key) const;
  int get_int(const std::string& key, int fallback) const;
  float get_float(const std::string& key, float fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  // A value that must be one of `choices`; the error lists them.
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& choices) const;
  // Comma-separated lists ("1,2, 3"); empty vector when absent.
  std::vector<int> get_int_list(const std::string& key) const;
  std::vector<float> get_float_list(const std::string& key) const;
  // Present-or-error variants.
  int require_int(const std::string& key) const;

  // Throws InputError naming a key that no getter asked for, listing the keys this section knows.
  void check_all_used() const;
  // Throws InputError "file:line: [type] key: message" for the line of `key` (the header line if absent).
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  mutable std::vector<std::string> known_;  // keys asked for by getters, for error messages
  const CfgOption* find(const std::string& key) const;
};

struct Cfg {
  std::string file;
  std::vector<CfgSection> sections;  // sections[0] is [net]; the rest are layers in order
  const CfgSection& net() const { return sections.at(0); }
  size_t num_layers() const { return sections.size() - 1; }
  const CfgSection& layer(size_t i) const { return sections.at(i + 1); }
};

// Parses darknet syntax: `[section]` headers, `key=value`, comments starting with '#' or ';',
// blank lines, surrounding whitespace ignored. Errors name file:line.
Cfg parse_cfg_file(const std::string& path);
Cfg parse_cfg_text(const std::string& text, const std::string& name);

// Serialises back to darknet syntax (for storing resolved configs and for round-trip tests).
std::string to_cfg_text(const Cfg& cfg);

// Overrides: "net.key=value" patches [net]; "3.key=value" patches layer 3 (0-based layer index);
// "yolo.key=value" patches every [yolo] section; "convolutional[batch_normalize=1].batch_normalize=2" only
// the [convolutional] sections whose batch_normalize is written as 1. An override of a section that does
// not exist (or that no section passes the filter of) is an InputError listing what does.
void apply_override(Cfg& cfg, const std::string& override_text);
void apply_overrides(Cfg& cfg, const std::vector<std::string>& overrides);

}  // namespace ds
