// Input limits and bad files through the real binary: absurd sizes in a cfg or a spec are refused
// before anything is allocated, a spec's missing data file is named with its JSON path, a file that is
// not a sweep database is named, a spec is never executed by a shell; each exits 2 and writes nothing.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e_support.h"
#include "tests/support/run_command.h"

namespace ds {
namespace {

using test::ScratchDir;

std::string sweep_cmd(const std::string& args) { return std::string("'") + DS_SWEEP_EXE + "' " + args; }

void expect_bad_input(const std::string& args, const std::vector<std::string>& fragments) {
  auto r = test::run_command(sweep_cmd(args));
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
  for (const auto& f : fragments) EXPECT_NE(r.output.find(f), std::string::npos) << "missing '" << f << "' in\n" << r.output;
}

TEST(E2eBadInputs, AbsurdNetworkSizesAreRefusedBeforeAllocating) {
  ScratchDir dir;
  test::write_text(dir / "huge.cfg",
                   "[net]\nbatch=1\nwidth=64\nheight=64\nchannels=3\n\n[convolutional]\nfilters=1000000000\n"
                   "size=3\nstride=1\npad=1\nactivation=leaky\n");
  expect_bad_input("bench --cfg '" + dir / "huge.cfg" + "' --iters 1",
                   {"huge.cfg:7: the network needs about", "[convolutional]", "check filters"});
  // An input of absurd size is refused by [net] itself; a large one times a large batch by the estimate.
  test::write_text(dir / "wide.cfg",
                   "[net]\nbatch=64\nwidth=1000000\nheight=1000000\nchannels=3\n\n[convolutional]\nfilters=16\n"
                   "size=3\nstride=1\npad=1\nactivation=leaky\n");
  expect_bad_input("bench --cfg '" + dir / "wide.cfg" + "' --iters 1", {"wide.cfg:3: [net] width: input size is absurdly large"});
  test::write_text(dir / "batch.cfg",
                   "[net]\nbatch=4096\nwidth=4096\nheight=4096\nchannels=3\n\n[convolutional]\nfilters=64\n"
                   "size=3\nstride=1\npad=1\nactivation=leaky\n");
  expect_bad_input("bench --cfg '" + dir / "batch.cfg" + "' --batch 4096 --iters 1",
                   {"batch.cfg:7: the network needs about", "at mini-batch 4096"});
}

TEST(E2eBadInputs, HugeSpecsAreRefusedWithTheirJsonPath) {
  ScratchDir dir;
  std::string cfg = std::string(DS_SOURCE_DIR) + "/tests/sweep/specs/tiny.cfg";
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < 100000; ++i) rows.push_back({{"name", "r" + std::to_string(i)}});
  test::write_text(dir / "rows.json", nlohmann::json{{"name", "big"}, {"base", {{"cfg", cfg}}}, {"rows", rows}}.dump());
  expect_bad_input("run '" + dir / "rows.json" + "' --db '" + dir / "d.db" + "'",
                   {"rows.json:1:", "rows: 100000 rows: more than the limit of one spec, 10000"});

  nlohmann::json switches = nlohmann::json::object(), groups = nlohmann::json::array();
  for (int a = 0; a < 20; ++a) {
    nlohmann::json alts = {""};
    for (int k = 0; k < 9; ++k) {
      std::string name = "s" + std::to_string(a) + "_" + std::to_string(k);
      switches[name] = {"schedule.k" + name + "=1"};
      alts.push_back(name);
    }
    groups.push_back(alts);
  }
  test::write_text(dir / "grid.json", nlohmann::json{{"name", "grid"}, {"base", {{"cfg", cfg}}}, {"switches", switches},
                                                     {"grids", {{{"groups", groups}}}}}.dump(1));
  expect_bad_input("run '" + dir / "grid.json" + "' --db '" + dir / "d.db" + "'",
                   {"grids[0].groups: the grid has more than 10000 rows"});

  test::write_text(dir / "seeds.json", nlohmann::json{{"name", "s"}, {"base", {{"cfg", cfg}}}, {"rows", {{{"name", "a"}}}},
                                                      {"seeds", {1, 2, 3}}, {"repeats", 5000}}.dump(1));
  expect_bad_input("run '" + dir / "seeds.json" + "' --db '" + dir / "d.db" + "'",
                   {"1 rows x 3 seeds x 5000 repeats is more than 10000 runs"});
  EXPECT_FALSE(std::filesystem::exists(dir / "d.db"));
}

TEST(E2eBadInputs, AMissingDataFileIsNamedWithItsRowAndResolvedPath) {
  ScratchDir dir;
  std::string cfg = std::string(DS_SOURCE_DIR) + "/tests/sweep/specs/tiny.cfg";
  test::write_text(dir / "train.txt", "");
  nlohmann::json spec = {{"name", "data"},
                         {"base", {{"cfg", cfg}, {"data", {{"train", "train.txt"}}}}},
                         {"rows", {{{"name", "ok"}}, {{"name", "typo"}, {"overrides", {"data.val=vall.txt"}}}}}};
  test::write_text(dir / "data.json", spec.dump(1));
  expect_bad_input("run '" + dir / "data.json" + "' --db '" + dir / "d.db" + "'",
                   {"data.json:", "rows[1]: data.val: file not found: " + dir / "vall.txt",
                    "relative to the spec's folder"});
  EXPECT_FALSE(std::filesystem::exists(dir / "d.db"));
}

TEST(E2eBadInputs, AFileThatIsNotASweepDatabaseIsNamed) {
  ScratchDir dir;
  std::string bytes(4096, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = char((i * 2654435761u) >> 13);
  test::write_text(dir / "garbage.db", bytes);
  for (const char* cmd : {"status --db", "report table4 --db"})
    expect_bad_input(std::string(cmd) + " '" + dir / "garbage.db" + "'",
                     {dir / "garbage.db", "not a valid sweep database"});
  EXPECT_EQ(test::read_text(dir / "garbage.db"), bytes);  // readers never write
}

// Names and overrides are data: a row called `$(touch pwned)` runs no shell.
TEST(E2eBadInputs, NothingInASpecIsExecutedByAShell) {
  ScratchDir dir;
  nlohmann::json rows = {{{"name", "$(touch '" + dir / "pwned" + "')"}},
                         {{"name", "x; touch '" + dir / "pwned2" + "'"}, {"overrides", {"schedule.note=`touch pwned3`"}}}};
  std::string spec = test::write_standin_spec(dir / "shell.json", "shell", rows, 3, 1);
  auto r = test::run_command(sweep_cmd("run '" + spec + "' --db '" + dir / "s.db" + "' --trainer '" + DS_STANDIN_EXE + "'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "pwned"));
  EXPECT_FALSE(std::filesystem::exists(dir / "pwned2"));
  EXPECT_FALSE(std::filesystem::exists(dir / "pwned3"));
  EXPECT_FALSE(std::filesystem::exists("pwned3"));
}

}  // namespace
}  // namespace ds

namespace ds {
namespace {

// `sweep run --param` must name a parameter the spec declares; the error names the spec's "params".
TEST(E2eBadInputs, AnUnknownParamIsAnInputErrorNamingTheSpecsParams) {
  test::ScratchDir dir;
  std::string cfg = std::string(DS_SOURCE_DIR) + "/tests/sweep/specs/tiny.cfg";
  test::write_text(dir / "p.json", "{\"name\": \"p\", \"params\": {\"COCO\": \"/c\"},\n \"base\": {\"cfg\": \"" + cfg +
                                       "\", \"data\": {\"train\": \"${COCO}/t.txt\"}}, \"rows\": [{}]}");
  auto r = test::run_command(std::string("'") + DS_SWEEP_EXE + "' run '" + dir / "p.json" + "' --db '" + dir / "d.db" +
                             "' --param COCO=/x --param IMAGENET=/y");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("p.json:1:25: params: --param IMAGENET=/y: the spec has no parameter 'IMAGENET'; known: COCO"),
            std::string::npos) << r.output;
  r = test::run_command(std::string("'") + DS_SWEEP_EXE + "' run '" + dir / "p.json" + "' --db '" + dir / "d.db" + "' --param COCO");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--param expects NAME=VALUE"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "d.db"));
}

}  // namespace
}  // namespace ds
