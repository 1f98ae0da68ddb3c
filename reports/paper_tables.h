// The paper's ablation tables (reports/paper/yolov4_tables.json, built into the binary): layout and numbers.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ds {

// A column that describes a row (not a metric): a checkmark switch ("S", "Mish", "bof_bos") or a text
// value ("loss", "model", "size").
struct PaperColumn {
  std::string key;    // as in the JSON
  std::string title;  // as printed in the header
  bool checkmark = false;
};

// Values the authors published elsewhere for the same run (the JSON's "alt").
struct PaperAlt {
  std::map<std::string, double> metrics;
  std::string from;
};

struct PaperRow {
  std::set<std::string> on;                  // checkmark columns that are ticked
  std::map<std::string, std::string> text;   // text columns
  std::map<std::string, double> metrics;     // in percent, as printed
  std::vector<PaperAlt> alt;
};

struct PaperTable {
  std::string id;  // "table4"
  std::string title, dataset, note;
  std::vector<PaperColumn> columns;
  std::vector<std::string> metrics;  // "AP", "AP50", "AP75" or "top1", "top5"
  std::vector<PaperRow> rows;
};

// "table2" ... "table7", in order.
std::vector<std::string> paper_table_ids();
// InputError naming the known tables when `id` is not one of them.
const PaperTable& paper_table(const std::string& id);
// The citation of the numbers (the JSON's "source").
const std::string& paper_source();

// "Table 4" for "table4".
std::string table_display_name(const std::string& id);
// "AP50" -> "AP50", "top1" -> "Top-1": how a metric is printed.
std::string metric_title(const std::string& metric);

}  // namespace ds
