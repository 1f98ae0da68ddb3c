// The built-in paper tables: the layout each report draws (switch and text columns, metrics) and the
// numbers, which must equal the shared copy of the paper's JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "reports/paper_tables.h"
#include "report_fixture.h"

namespace ds {
namespace {

TEST(ReportPaperTables, Table4HasNineSwitchesALossColumnAndSeventeenRows) {
  const PaperTable& t = paper_table("table4");
  ASSERT_EQ(t.columns.size(), 10u);
  std::string keys;
  for (const auto& c : t.columns) keys += c.key + (c.checkmark ? "+" : "=") + " ";
  EXPECT_EQ(keys, "S+ M+ IT+ GA+ LS+ CBN+ CA+ DM+ OA+ loss= ");
  EXPECT_EQ(t.metrics, (std::vector<std::string>{"AP", "AP50", "AP75"}));
  ASSERT_EQ(t.rows.size(), 17u);
  EXPECT_EQ(t.rows[12].on, (std::set<std::string>{"S", "M", "IT", "GA"}));
  EXPECT_EQ(t.rows[12].text.at("loss"), "CIoU");
  EXPECT_DOUBLE_EQ(t.rows[5].metrics.at("AP"), 33.0);
  ASSERT_EQ(t.rows[5].alt.size(), 1u);
  EXPECT_DOUBLE_EQ(t.rows[5].alt[0].metrics.at("AP"), 37.2);
}

TEST(ReportPaperTables, FieldTablesTurnBooleansIntoChecksAndKeepFieldOrder) {
  const PaperTable& t7 = paper_table("table7");
  std::string keys;
  for (const auto& c : t7.columns) keys += c.key + (c.checkmark ? "+" : "=") + " ";
  EXPECT_EQ(keys, "model= bof_bos+ mini_batch= size= ");
  EXPECT_TRUE(t7.rows[2].on.count("bof_bos"));
  EXPECT_FALSE(t7.rows[0].on.count("bof_bos"));
  EXPECT_EQ(t7.rows[0].text.at("mini_batch"), "4");
  const PaperTable& t2 = paper_table("table2");
  EXPECT_EQ(t2.metrics, (std::vector<std::string>{"top1", "top5"}));
  EXPECT_EQ(t2.columns.size(), 7u);
  EXPECT_TRUE(t2.columns[0].checkmark);
  EXPECT_EQ(paper_table("table5").columns.size(), 1u);
}

TEST(ReportPaperTables, UnknownTablesNameTheKnownOnes) {
  EXPECT_EQ(paper_table_ids(), (std::vector<std::string>{"table2", "table3", "table4", "table5", "table6", "table7"}));
  try {
    paper_table("table9");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("table2, table3, table4, table5, table6, table7"), std::string::npos);
  }
}

// The repository's copy is what the binary embeds; it must not drift from the project's reference.
TEST(ReportPaperTables, BuiltInNumbersEqualTheSharedReference) {
  std::string shared = std::string(DS_SHARED_DIR) + "/paper/yolov4_tables.json";
  if (!std::filesystem::exists(shared)) GTEST_SKIP() << "no " << shared;
  auto ref = nlohmann::json::parse(test::slurp(shared));
  for (const auto& id : paper_table_ids()) {
    const PaperTable& t = paper_table(id);
    const auto& rows = ref[id]["rows"];
    ASSERT_EQ(t.rows.size(), rows.size()) << id;
    for (size_t i = 0; i < rows.size(); ++i)
      for (const auto& m : t.metrics) EXPECT_DOUBLE_EQ(t.rows[i].metrics.at(m), rows[i][m].get<double>()) << id << " row " << i;
  }
  EXPECT_EQ(paper_source(), ref["source"].get<std::string>());
}

}  // namespace
}  // namespace ds
