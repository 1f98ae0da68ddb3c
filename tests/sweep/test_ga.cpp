// GA stages: spec validation, the deterministic next generation, step-by-step expansion from fitnesses,
// and end to end with the stand-in trainer (whose AP peaks at one momentum): evolution, the best genes
// feeding the final row, and a coordinator killed in generation 2 resuming to the same populations.
#include <gtest/gtest.h>

#include <signal.h>

#include <map>
#include <thread>

#include "e2e_support.h"
#include "old_store.h"
#include "sweep/ga.h"
#include "sweep/plan.h"
#include "sweep/spec.h"
#include "sweep/store.h"
#include "tests/support/error_of.h"
#include "tests/support/run_command.h"

namespace ds {
namespace {

using nlohmann::json;
using test::ScratchDir;

std::string spec_error(const std::string& text) {
  return test::error_of([&] { expand_spec(parse_spec(text, test::sweep_fixture("specs/inline.json"))); });
}

// A spec around one GA stage "search" and a final row; `ga` is merged over a valid GA object.
std::string ga_spec_text(const json& ga_patch, const json& final_row = {{"stage", "final"}, {"ga_from", "search"}}) {
  json ga = {{"population", 4}, {"generations", 2}, {"seed", 3},
             {"genes", {{{"key", "net.momentum"}, {"range", {0.5, 0.99}}},
                        {{"key", "net.learning_rate"}, {"range", {0.0001, 0.01}}, {"scale", "log"}}}}};
  ga.update(ga_patch);
  json spec = {{"name", "ga"},
               {"base", {{"cfg", "tiny.cfg"}, {"schedule", {{"max_batches", 100}}}}},
               {"stages", {{{"name", "search"}, {"ga", ga}}, {{"name", "final"}, {"after", {"search"}}}}},
               {"rows", {final_row}}};
  return spec.dump(1);
}

TEST(GaSpecErrors, NameTheJsonPath) {
  EXPECT_EQ(spec_error(ga_spec_text(json::object())), "(no InputError)");
  struct Case {
    json patch;
    const char* expected;
  } cases[] = {
      {{{"population", 1}}, "stages[0].ga.population: expected an integer >= 2"},
      {{{"generations", "2"}}, "stages[0].ga.generations: expected an integer, got string"},
      {{{"fraction", 0}}, "stages[0].ga.fraction: expected a number in (0, 1]"},
      {{{"elite", 4}}, "stages[0].ga.elite: must be smaller than the population"},
      {{{"mutation", 1}}, "stages[0].ga.mutation: unknown key 'mutation'"},
      {{{"genes", json::array()}}, "stages[0].ga.genes: expected a non-empty array of genes"},
      {{{"genes", {{{"key", "momentum"}, {"range", {0, 1}}}}}}, "stages[0].ga.genes[0].key: gene key 'momentum' must look like"},
      {{{"genes", {{{"key", "net.momentum=0.9"}, {"range", {0, 1}}}}}}, "stages[0].ga.genes[0].key: gene key 'net.momentum=0.9' must look like"},
      {{{"genes", {{{"key", "net.momentum"}, {"range", {1, 0}}}}}}, "stages[0].ga.genes[0].range: lo must be smaller than hi"},
      {{{"genes", {{{"key", "net.decay"}, {"range", {0, 1}}, {"scale", "log"}}}}}, "stages[0].ga.genes[0].range: a log-scale gene needs lo > 0"},
      {{{"genes", {{{"key", "net.decay"}, {"range", {0.1, 1}}, {"scale", "exp"}}}}}, "stages[0].ga.genes[0].scale: expected 'linear' or 'log'"},
      {{{"genes", {{{"key", "schedule.max_batches"}, {"range", {1, 2}}}}}}, "stages[0].ga.genes[0].key: schedule options cannot be genes"},
      {{{"genes", {{{"key", "net.decay"}, {"range", {0.1, 1}}}, {{"key", "net.decay"}, {"range", {0.1, 1}}}}}},
       "stages[0].ga.genes[1].key: duplicate gene 'net.decay'"},
      {{{"genes", {{{"key", "shortcut.size"}, {"range", {1, 3}}}}}}, "stages[0].ga.genes[0]: "},  // tiny.cfg has no [shortcut]
      {{{"switches", {"XX"}}}, "stages[0].ga.switches[0]: unknown switch 'XX'"},
  };
  for (const auto& c : cases) {
    std::string e = spec_error(ga_spec_text(c.patch));
    EXPECT_NE(e.find(c.expected), std::string::npos) << c.patch.dump() << "\n" << e;
  }
  EXPECT_NE(spec_error(ga_spec_text(json::object(), {{"ga_from", "final"}, {"stage", "final"}}))
                .find("rows[0].ga_from: unknown GA stage 'final'; known: search"),
            std::string::npos);
  EXPECT_NE(spec_error(ga_spec_text(json::object(), {{"stage", "search"}}))
                .find("rows[0].stage: stage 'search' is a GA stage"),
            std::string::npos);
  EXPECT_NE(spec_error(ga_spec_text(json::object(), json::object())).find("rows[0]: stage 'search' is a GA stage"),
            std::string::npos);
}

GaSpec two_gene_ga() {
  GaSpec ga;
  ga.population = 6;
  ga.generations = 3;
  ga.seed = 11;
  ga.genes = {{"net.momentum", 0.5, 0.99, false, "g0"}, {"net.learning_rate", 1e-4, 1e-2, true, "g1"}};
  return ga;
}

TEST(GaEvolve, NextGenerationIsAFunctionOfSeedAndFitnesses) {
  GaSpec ga = two_gene_ga();
  ga.elite = 2;
  auto first = first_generation(ga);
  ASSERT_EQ(first.size(), 6u);
  EXPECT_EQ(first_generation(ga)[3].genes, first[3].genes);
  for (const auto& m : first) {
    EXPECT_GE(m.genes[0], 0.5);
    EXPECT_LE(m.genes[0], 0.99);
    EXPECT_GE(m.genes[1], 1e-4);
    EXPECT_LE(m.genes[1], 1e-2);
    EXPECT_EQ(m.carried_from, -1);
  }
  std::vector<double> fitness = {0.1, 0.5, 0.0, 0.3, 0.5, 0.2};
  auto next = next_generation(ga, 1, first, fitness);
  auto again = next_generation(ga, 1, first, fitness);
  ASSERT_EQ(next.size(), 6u);
  for (size_t i = 0; i < next.size(); ++i) EXPECT_EQ(next[i].genes, again[i].genes) << i;
  // Elites: the two fittest, ties to the earlier member, carried unchanged.
  EXPECT_EQ(next[0].carried_from, 1);
  EXPECT_EQ(next[1].carried_from, 4);
  EXPECT_EQ(next[0].genes, first[1].genes);
  EXPECT_EQ(next[2].carried_from, -1);
  // Children are new points inside the ranges, with values that their override strings carry.
  for (size_t i = 2; i < next.size(); ++i) {
    EXPECT_NE(next[i].genes, first[i].genes);
    EXPECT_GE(next[i].genes[1], 1e-4);
    EXPECT_LE(next[i].genes[1], 1e-2);
    EXPECT_EQ(std::stod(gene_override(ga.genes[1], next[i].genes[1]).substr(18)), next[i].genes[1]);
  }
  // Another seed or other fitnesses give another generation.
  GaSpec other = ga;
  other.seed = 12;
  EXPECT_NE(next_generation(other, 1, first, fitness)[3].genes, next[3].genes);
  std::vector<double> reordered = {0.9, 0.5, 0.0, 0.3, 0.5, 0.2};
  EXPECT_EQ(next_generation(ga, 1, first, reordered)[0].carried_from, 0);
}

TEST(GaEvolve, FitnessIsTenthAp50PlusNineTenthsAp) {
  EXPECT_DOUBLE_EQ(ga_fitness({{"AP", 0.3}, {"AP50", 0.5}}), 0.1 * 0.5 + 0.9 * 0.3);
  EXPECT_EQ(ga_fitness({{"AP", 0.3}}), 0);
  EXPECT_EQ(ga_fitness(json::object()), 0);
}

// Expansion goes as far as the fitnesses: generation 0, then 1, then the final row with the best genes.
TEST(GaExpand, GenerationsAndTheFinalRowAppearAsFitnessesAreKnown) {
  Spec spec = parse_spec(ga_spec_text({{"seed", 5}}), test::sweep_fixture("specs/inline.json"));
  std::map<std::string, double> known;
  FitnessOf fitness_of = [&](const std::string& id) -> std::optional<double> {
    auto it = known.find(id);
    if (it == known.end()) return std::nullopt;
    return it->second;
  };
  Plan p0 = expand_spec(spec, "", fitness_of);
  ASSERT_EQ(p0.runs.size(), 4u);
  EXPECT_FALSE(p0.complete());
  EXPECT_EQ(p0.waiting_rows.size(), 1u);
  ASSERT_EQ(p0.ga.size(), 1u);
  ASSERT_EQ(p0.ga[0].generations.size(), 1u);
  for (const auto& r : p0.runs) {
    EXPECT_EQ(r.config["schedule"]["max_batches"], 10);  // 0.1 of the base schedule
    EXPECT_EQ(r.config["inputs"]["ga"]["generation"], 0);
    EXPECT_EQ(r.config["cfg"]["overrides"].size(), 2u);
  }
  // Fitness rises with the momentum: generation 1's elite is the individual with the highest.
  auto momentum = [](const std::vector<std::string>& o) { return std::stod(o[0].substr(std::string("net.momentum=").size())); };
  for (const auto& m : p0.ga[0].generations[0].members) known[m.run] = momentum(m.overrides);
  Plan p1 = expand_spec(spec, "", fitness_of);
  ASSERT_EQ(p1.ga[0].generations.size(), 2u);
  EXPECT_EQ(p1.runs.size(), 7u);  // 4 + 3 children; the elite is not trained again
  const auto& g1 = p1.ga[0].generations[1].members;
  EXPECT_EQ(g1[0].run, p1.ga[0].generations[0].best_so_far->run);
  EXPECT_FALSE(p1.complete());
  for (const auto& m : g1) known[m.run] = momentum(m.overrides);
  Plan p2 = expand_spec(spec, "", fitness_of);
  EXPECT_TRUE(p2.complete());
  ASSERT_EQ(p2.runs.size(), 8u);
  const ResolvedRun& final_run = p2.runs.back();
  EXPECT_EQ(final_run.row_label, "rows[0]");
  EXPECT_EQ(final_run.config["cfg"]["overrides"], json(p2.ga[0].best->overrides));
  EXPECT_EQ(final_run.deps, std::vector<std::string>{p2.ga[0].best->run});
  double best = 0;
  for (const auto& g : p2.ga[0].generations)
    for (const auto& m : g.members) best = std::max(best, *m.fitness);
  EXPECT_EQ(*p2.ga[0].best->fitness, best);
  // The same fitnesses expand to the same runs.
  Plan p3 = expand_spec(spec, "", fitness_of);
  for (size_t i = 0; i < p2.runs.size(); ++i) EXPECT_EQ(p3.runs[i].id, p2.runs[i].id);
}

// A GA stage after another stage waits for its runs; a row that starts from a ga_from row's weights
// waits with it; the validation of waiting rows happens all the same.
TEST(GaExpand, DependenciesThroughAndAfterTheGaStage) {
  json spec = json::parse(ga_spec_text({{"population", 2}, {"generations", 1}}));
  spec["stages"] = {{{"name", "pre"}},
                    {{"name", "search"}, {"after", {"pre"}}, {"ga", spec["stages"][0]["ga"]}},
                    {{"name", "final"}, {"after", {"search"}}}};
  spec["rows"] = {{{"name", "pre"}, {"stage", "pre"}},
                  {{"name", "GA"}, {"stage", "final"}, {"ga_from", "search"}},
                  {{"name", "det"}, {"stage", "final"}, {"init_from", {{"stage", "final"}, {"row", 1}}}}};
  Spec parsed = parse_spec(spec.dump(), test::sweep_fixture("specs/inline.json"));
  std::map<std::string, double> known;
  FitnessOf fitness_of = [&](const std::string& id) -> std::optional<double> {
    return known.count(id) ? std::optional<double>(known[id]) : std::nullopt;
  };
  Plan p = expand_spec(parsed, "", fitness_of);
  ASSERT_EQ(p.runs.size(), 3u);  // pre and generation 0
  EXPECT_EQ(p.waiting_rows, (std::vector<std::string>{"GA", "det"}));
  EXPECT_EQ(p.runs[1].deps, std::vector<std::string>{p.runs[0].id});
  EXPECT_EQ(p.runs[1].where, "stages[1].ga");
  for (const auto& r : p.runs) known[r.id] = r.row_index == 0 ? 0 : 0.5;
  known[p.runs[2].id] = 0.7;
  p = expand_spec(parsed, "", fitness_of);
  EXPECT_TRUE(p.complete());
  ASSERT_EQ(p.runs.size(), 5u);
  EXPECT_EQ(p.ga[0].best->run, p.runs[2].id);
  EXPECT_EQ(p.runs[3].deps, std::vector<std::string>{p.runs[2].id});
  EXPECT_EQ(p.runs[4].config["inputs"]["init_from"]["run"], p.runs[3].id);
  spec["rows"][2]["overrides"] = {"shortcut.from=-1"};  // tiny.cfg has no [shortcut]
  EXPECT_NE(spec_error(spec.dump()).find("rows[2].overrides[0]: "), std::string::npos) << spec_error(spec.dump());
}

// A version-2 database gains the GA tables; saving a stage's progress again replaces what was stored.
TEST(GaStore, MigratesFromVersion2AndReplacesAStagesGenerations) {
  ScratchDir dir;
  std::string path = dir / "v2.db";
  test::write_old_store(path, 2,
                        "INSERT INTO sweeps VALUES('s', 'spec.json', '{}', 0, 0);"
                        "INSERT INTO runs(id, config, state, created, updated) VALUES('a', '{}', 'done', 0, 0);"
                        "INSERT INTO runs(id, config, state, created, updated) VALUES('b', '{}', 'pending', 0, 0);");
  Store store(path, Store::Mode::read_write);
  EXPECT_EQ(store.schema_version(), kStoreSchemaVersion);
  GaIndividual a{0, 0, "a", {"net.momentum=0.9"}, 0.4, -1}, b{0, 1, "b", {"net.momentum=0.6"}, std::nullopt, -1};
  GaProgress p{"search", {GaGeneration{{a, b}, std::nullopt}}, false, std::nullopt};
  store.save_ga("s", {p});
  b.fitness = 0.1;
  p.generations[0] = GaGeneration{{a, b}, a};
  p.generations.push_back(GaGeneration{{GaIndividual{1, 0, "a", a.overrides, 0.4, 0}}, a});
  store.save_ga("s", {p});
  auto rows = store.ga("s");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].run, "b");
  EXPECT_EQ(rows[1].fitness, 0.1);
  EXPECT_EQ(rows[1].best_run, "a");
  EXPECT_EQ(rows[2].generation, 1);
  EXPECT_EQ(rows[2].carried_from, 0);
  EXPECT_EQ(rows[2].overrides, std::vector<std::string>{"net.momentum=0.9"});
}

// --- end to end with the stand-in trainer -----------------------------------------------------------

const std::string kStandin = DS_STANDIN_EXE;

// Population 4, 2 generations over the momentum (AP = 0.6 - |momentum - 0.9|), then a final row.
std::string write_e2e_spec(const ScratchDir& dir, int sleep_ms, double diverge_above = 1e300) {
  json spec = {
      {"name", "ga-e2e"},
      {"base",
       {{"cfg", std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg"},
        {"schedule", {{"max_batches", 100}, {"sleep_ms", sleep_ms}, {"checkpoint_every", 2}}},
        {"test_hooks", {{"ap_peak", {{"key", "net.momentum"}, {"at", 0.9}, {"diverge_above", diverge_above}}}}}}},
      {"seeds", {7}},
      {"stages",
       {{{"name", "search"},
         {"ga", {{"population", 4}, {"generations", 2}, {"seed", 1}, {"sigma", 0.3},
                 {"genes", {{{"key", "net.momentum"}, {"range", {0.5, 0.99}}}}}}}},
        {{"name", "final"}, {"after", {"search"}}}}},
      {"rows", {{{"name", "GA"}, {"stage", "final"}, {"ga_from", "search"}, {"overrides", {"schedule.sleep_ms=1"}}}}},
  };
  test::write_text(dir / "ga.json", spec.dump(2));
  return dir / "ga.json";
}

std::string sweep_command(const std::string& spec, const std::string& db, const std::string& extra = "") {
  return std::string("'") + DS_SWEEP_EXE + "' run '" + spec + "' --db '" + db + "' --trainer '" + kStandin +
         "' --slots 2 --progress-every 1" + extra;
}

// (generation, individual, run, overrides, fitness) of every stored individual.
std::vector<std::string> populations(const std::string& db) {
  Store store(db, Store::Mode::read_only);
  std::vector<std::string> out;
  for (const auto& g : store.ga("ga-e2e"))
    out.push_back(std::to_string(g.generation) + "/" + std::to_string(g.individual) + " " + g.run + " " +
                  json(g.overrides).dump() + " " + (g.fitness ? std::to_string(*g.fitness) : "-"));
  return out;
}

TEST(E2eGa, EvolvesAndTheBestGenesFeedTheFinalRow) {
  ScratchDir dir;
  std::string spec = write_e2e_spec(dir, 2);
  std::string db = dir / "ga.db";
  auto r = test::run_command(sweep_command(spec, db));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Store store(db, Store::Mode::read_only);
  auto ga = store.ga("ga-e2e");
  ASSERT_EQ(ga.size(), 8u);
  double best_g0 = 0, best = 0;
  std::string best_run;
  for (const auto& g : ga) {
    ASSERT_TRUE(g.fitness.has_value());
    double momentum = std::stod(g.overrides.at(0).substr(std::string("net.momentum=").size()));
    double ap = 0.6 - std::abs(momentum - 0.9);
    EXPECT_NEAR(*g.fitness, 0.1 * (ap + 0.2) + 0.9 * ap, 1e-9);
    if (g.generation == 0) best_g0 = std::max(best_g0, *g.fitness);
    if (*g.fitness > best) best = *g.fitness, best_run = g.run;
    EXPECT_EQ(store.run(g.run)->state, "done");
  }
  EXPECT_EQ(ga[4].carried_from, int(std::max_element(ga.begin(), ga.begin() + 4, [](const auto& a, const auto& b) {
                                      return *a.fitness < *b.fitness;
                                    }) - ga.begin()));
  EXPECT_EQ(*ga.back().best_fitness, best);
  EXPECT_GE(best, best_g0);
  RunRecord final_run;
  for (const auto& run : store.runs("ga-e2e"))
    if (run.row_label == "GA") final_run = run;
  ASSERT_EQ(final_run.state, "done");
  json config = json::parse(final_run.config);
  json best_overrides = json::parse(store.run(best_run)->config)["cfg"]["overrides"];
  EXPECT_EQ(config["cfg"]["overrides"], best_overrides);
  EXPECT_EQ(config["schedule"]["max_batches"], 100);  // the whole schedule, not the GA's fraction
  EXPECT_NEAR(ga_fitness(json::parse(*store.result(final_run.id))), best, 1e-9);
  auto status = test::run_command(std::string("'") + DS_SWEEP_EXE + "' status --db '" + db + "'");
  EXPECT_NE(status.output.find("GA search generation 1 (fitness 0.1 AP50 + 0.9 AP): best so far"), std::string::npos) << status.output;
}

// An individual that diverges (NaN, retries used up) has fitness 0 and the search goes on without it.
TEST(E2eGa, ADivergedIndividualGetsFitnessZeroAndDoesNotBlock) {
  ScratchDir dir;
  std::string plain = write_e2e_spec(dir, 2);
  double highest = 0;  // the highest momentum of generation 0: that individual will diverge
  for (const auto& r : expand_spec(load_spec(plain)).runs)
    highest = std::max(highest, std::stod(r.config["cfg"]["overrides"][0].get<std::string>().substr(13)));
  std::string spec = write_e2e_spec(dir, 2, highest - 1e-6);
  auto r = test::run_command(sweep_command(spec, dir / "ga.db", " --retries 0"));
  EXPECT_EQ(r.exit_code, 1) << r.output;  // as for any failed run, once everything else is done
  EXPECT_NE(r.output.find(" run(s) failed, 0 cannot start"), std::string::npos) << r.output;
  Store store(dir / "ga.db", Store::Mode::read_only);
  int failed = 0;
  for (const auto& g : store.ga("ga-e2e")) {
    ASSERT_TRUE(g.fitness.has_value());
    if (store.run(g.run)->state == "failed") {
      ++failed;
      EXPECT_EQ(*g.fitness, 0);
    }
  }
  EXPECT_GE(failed, 1);
  EXPECT_EQ(store.ga("ga-e2e").size(), 8u);
  for (const auto& run : store.runs("ga-e2e"))
    if (run.row_label == "GA") {
      EXPECT_EQ(run.state, "done");
    }
}

TEST(E2eGa, KilledInGenerationTwoResumesToTheSamePopulations) {
  ScratchDir dir;
  std::string spec = write_e2e_spec(dir, 40);  // an individual takes 10 x 40 ms
  auto whole = test::run_command(sweep_command(spec, dir / "whole.db"));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;

  std::string db = dir / "killed.db";
  pid_t pid = test::start_sweep({"run", spec, "--db", db, "--trainer", kStandin, "--slots", "2"}, dir / "first.log");
  bool killed = false;
  for (int i = 0; i < 1000 && !killed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!std::filesystem::exists(db)) continue;
    try {
      Store store(db, Store::Mode::read_only);
      for (const auto& g : store.ga("ga-e2e"))
        if (g.generation == 1 && g.carried_from < 0 && store.run(g.run)->state == "running") killed = true;
    } catch (const std::exception&) {  // not migrated yet
    }
  }
  ASSERT_TRUE(killed) << test::read_text(dir / "first.log");
  kill(pid, SIGKILL);
  test::wait_for(pid, 10);
  auto resumed = test::run_command(sweep_command(spec, db));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("left running by a previous coordinator closed"), std::string::npos) << resumed.output;
  auto expected = populations(dir / "whole.db");
  EXPECT_EQ(expected.size(), 8u);
  EXPECT_EQ(populations(db), expected);
}

}  // namespace
}  // namespace ds
