// Args: the one command-line parser of the `sweep` subcommands ("--key value", "--flag", positionals).
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ds {

class Args {
 public:
  // `flags` take no value; every other "--name" takes the next word. Unknown options are InputErrors
  // listing the valid ones (`options` ∪ `flags`).
  Args(const std::string& command, const std::vector<std::string>& argv, const std::set<std::string>& options,
       const std::set<std::string>& flags = {});

  bool has(const std::string& name) const;
  std::string get(const std::string& name, const std::string& fallback) const;
  std::string require(const std::string& name) const;
  int get_int(const std::string& name, int fallback) const;
  double get_double(const std::string& name, double fallback) const;
  std::vector<int> get_int_list(const std::string& name) const;  // "5,30,37"
  std::vector<std::string> get_all(const std::string& name) const;  // every value of a repeated option
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::string command_;
  std::map<std::string, std::vector<std::string>> values_;  // every value of each option, in order; get() is the last
  std::vector<std::string> positional_;
};

}  // namespace ds
