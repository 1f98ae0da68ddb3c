// Reads the built-in copy of the paper's tables into PaperTable values, once, keeping the JSON's key order.
#include "reports/paper_tables.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "reports/paper_json.h"

namespace ds {
namespace {

using ojson = nlohmann::ordered_json;

std::string column_title(const std::string& key) {
  static const std::map<std::string, std::string> titles = {
      {"LabelSmoothing", "Label smoothing"}, {"bof_bos", "BoF+BoS"}, {"mini_batch", "mini-batch"},
      {"backbone_weights", "backbone weights"}};
  auto it = titles.find(key);
  return it == titles.end() ? key : it->second;
}

std::string value_text(const ojson& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

bool is_metric(const PaperTable& t, const std::string& key) {
  return std::find(t.metrics.begin(), t.metrics.end(), key) != t.metrics.end();
}

// Tables 2-4 list their switch columns; tables 5-7 describe rows by fields, which become columns in the
// order they first appear (booleans as checkmarks).
std::vector<PaperColumn> columns_of(const ojson& j, const PaperTable& t) {
  std::vector<PaperColumn> cols;
  auto has = [&](const std::string& key) {
    return std::any_of(cols.begin(), cols.end(), [&](const PaperColumn& c) { return c.key == key; });
  };
  if (j.contains("columns")) {
    for (const auto& c : j["columns"]) {
      std::string key = c.get<std::string>();
      bool is_field = false;
      for (const auto& row : j["rows"]) is_field = is_field || row.contains(key);
      cols.push_back({key, column_title(key), !is_field});
    }
    return cols;
  }
  for (const auto& row : j["rows"]) {
    for (const auto& [key, value] : row.items()) {
      if (key == "on" || key == "alt" || is_metric(t, key) || has(key)) continue;
      cols.push_back({key, column_title(key), value.is_boolean()});
    }
  }
  return cols;
}

PaperTable parse_table(const std::string& id, const ojson& j) {
  PaperTable t;
  t.id = id;
  t.title = j.value("title", "");
  t.dataset = j.value("dataset", "");
  t.note = j.value("note", "");
  for (const auto& m : j["metrics"]) t.metrics.push_back(m.get<std::string>());
  t.columns = columns_of(j, t);
  for (const auto& row : j["rows"]) {
    PaperRow r;
    if (row.contains("on"))
      for (const auto& s : row["on"]) r.on.insert(s.get<std::string>());
    for (const auto& c : t.columns) {
      if (!row.contains(c.key)) continue;
      const ojson& v = row[c.key];
      if (c.checkmark && v.is_boolean()) {
        if (v.get<bool>()) r.on.insert(c.key);
      } else {
        r.text[c.key] = value_text(v);
      }
    }
    for (const auto& m : t.metrics)
      if (row.contains(m) && row[m].is_number()) r.metrics[m] = row[m].get<double>();
    if (row.contains("alt")) {
      for (const auto& a : row["alt"]) {
        PaperAlt alt;
        alt.from = a.value("from", "");
        for (const auto& m : t.metrics)
          if (a.contains(m) && a[m].is_number()) alt.metrics[m] = a[m].get<double>();
        r.alt.push_back(alt);
      }
    }
    t.rows.push_back(r);
  }
  return t;
}

struct PaperData {
  std::string source;
  std::vector<PaperTable> tables;
};

const PaperData& data() {
  static const PaperData d = [] {
    PaperData out;
    ojson j = ojson::parse(kPaperTablesJson);
    out.source = j.value("source", "");
    for (const auto& [key, value] : j.items())
      if (key.rfind("table", 0) == 0) out.tables.push_back(parse_table(key, value));
    return out;
  }();
  return d;
}

}  // namespace

std::vector<std::string> paper_table_ids() {
  std::vector<std::string> ids;
  for (const auto& t : data().tables) ids.push_back(t.id);
  return ids;
}

const PaperTable& paper_table(const std::string& id) {
  for (const auto& t : data().tables)
    if (t.id == id) return t;
  std::string known;
  for (const auto& t : data().tables) known += (known.empty() ? "" : ", ") + t.id;
  throw InputError("no paper table '" + id + "'; known: " + known);
}

const std::string& paper_source() { return data().source; }

std::string table_display_name(const std::string& id) {
  if (id.rfind("table", 0) == 0 && id.size() > 5) return "Table " + id.substr(5);
  return id;
}

std::string metric_title(const std::string& metric) {
  if (metric == "top1") return "Top-1";
  if (metric == "top5") return "Top-5";
  return metric;
}

}  // namespace ds
