// Parsing of `sweep` subcommand arguments; every mistake is an InputError (exit code 2).
#include "sweep/cli/args.h"

#include <sstream>

#include "core/util/error.h"

namespace ds {

Args::Args(const std::string& command, const std::vector<std::string>& argv, const std::set<std::string>& options,
           const std::set<std::string>& flags)
    : command_(command) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0) {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (options.count(name)) {
      if (i + 1 >= argv.size()) throw InputError("sweep " + command_ + ": --" + name + " needs a value");
      value = argv[++i];
    }
    if (!options.count(name) && !flags.count(name)) {
      std::string valid;
      for (const auto& o : options) valid += " --" + o;
      for (const auto& f : flags) valid += " --" + f;
      throw InputError("sweep " + command_ + ": unknown option --" + name + "; valid:" + valid);
    }
    values_[name].push_back(flags.count(name) ? "1" : value);
  }
}

std::vector<std::string> Args::get_all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool Args::has(const std::string& name) const { return values_.count(name) > 0; }

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::string Args::require(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw InputError("sweep " + command_ + ": --" + name + " is required");
  return it->second.back();
}

int Args::get_int(const std::string& name, int fallback) const {
  if (!has(name)) return fallback;
  try {
    size_t used = 0;
    int v = std::stoi(get(name, ""), &used);
    if (used == get(name, "").size()) return v;
  } catch (const std::exception&) {
  }
  throw InputError("sweep " + command_ + ": --" + name + " expects an integer, got '" + get(name, "") + "'");
}

double Args::get_double(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  try {
    size_t used = 0;
    double v = std::stod(get(name, ""), &used);
    if (used == get(name, "").size()) return v;
  } catch (const std::exception&) {
  }
  throw InputError("sweep " + command_ + ": --" + name + " expects a number, got '" + get(name, "") + "'");
}

std::vector<int> Args::get_int_list(const std::string& name) const {
  std::vector<int> out;
  std::stringstream ss(get(name, ""));
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    try {
      out.push_back(std::stoi(item));
    } catch (const std::exception&) {
      throw InputError("sweep " + command_ + ": --" + name + " expects a comma-separated list of integers, got '" +
                       get(name, "") + "'");
    }
  }
  return out;
}

}  // namespace ds
