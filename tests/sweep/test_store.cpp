// The SQLite store: migrations from older schemas, state transitions of runs and attempts, metric
// upserts, and readers that never see "database is locked" while the writer works.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/util/error.h"
#include "old_store.h"
#include "sweep/store.h"
#include "sweep_test_util.h"

namespace ds {
namespace {

using test::ScratchDir;

ResolvedRun fake_run(const std::string& id, int row) {
  ResolvedRun r;
  r.id = id;
  r.canonical = R"({"seed":0})";
  r.stage = "main";
  r.row_index = row;
  r.row_label = "row" + std::to_string(row);
  r.estimate = 10 - row;
  return r;
}

TEST(StoreMigration, FromVersion1KeepsDataAndAddsProgressColumns) {
  ScratchDir dir;
  std::string path = dir / "old.db";
  test::write_old_store(path, 1,
                        "INSERT INTO sweeps VALUES('s', 'spec.json', '{}', 0, 0);"
                        "INSERT INTO runs(id, config, state, created, updated) VALUES('r1', '{}', 'done', 0, 0);"
                        "INSERT INTO sweep_runs VALUES('s', 'r1', 'main', 0, 'row0', 0, 0, NULL);"
                        "INSERT INTO attempts(run, number, purpose, state, start) VALUES('r1', 1, 'train', 'ok', 5);");
  Store store(path, Store::Mode::read_write);
  EXPECT_EQ(store.schema_version(), kStoreSchemaVersion);
  auto attempts = store.attempts("r1");
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].state, "ok");
  EXPECT_FALSE(attempts[0].iteration);
  store.record_progress({}, {{attempts[0].id, 7, 10, 1.5}});
  EXPECT_EQ(store.attempts("r1")[0].iteration, 7);
  EXPECT_EQ(store.runs("s").size(), 1u);
}

TEST(StoreMigration, RejectsNewerSchemasAndReadOnlyOpensOfOldOnes) {
  ScratchDir dir;
  {
    SqliteDb db(dir / "new.db", false, 1000);
    db.exec("PRAGMA user_version = 99");
    SqliteDb old(dir / "old.db", false, 1000);
    migrate_store(old, 1);
  }
  EXPECT_THROW(Store(dir / "new.db", Store::Mode::read_write), InputError);
  EXPECT_THROW(Store(dir / "old.db", Store::Mode::read_only), InputError);
  EXPECT_THROW(Store(dir / "missing.db", Store::Mode::read_only), InputError);
  test::write_text(dir / "junk.db", std::string(4096, 'j'));
  EXPECT_THROW(Store(dir / "junk.db", Store::Mode::read_write), InputError);
}

TEST(StoreRuns, AddingTwiceAddsOnceAndAttemptsDriveStates) {
  ScratchDir dir;
  Store store(dir / "s.db", Store::Mode::read_write);
  store.save_sweep("s", "spec.json", "{}");
  EXPECT_EQ(store.add_runs("s", {fake_run("a", 0), fake_run("b", 1)}), 2);
  EXPECT_EQ(store.add_runs("s", {fake_run("a", 0), fake_run("b", 1)}), 0);
  auto att = store.begin_attempt("a", "train", {"host", 0, 0, ""}, dir.path());
  EXPECT_EQ(att.number, 1);
  EXPECT_EQ(att.log_path, dir / "attempt-1.log");
  EXPECT_EQ(store.run("a")->state, "running");
  AttemptEnd end;
  end.state = "ok";
  end.exit_code = 0;
  end.run_state = "done";
  end.result_json = R"({"AP":1})";
  store.finish_attempt(att.id, end, {{"weights", "/w"}});
  EXPECT_EQ(store.run("a")->state, "done");
  EXPECT_EQ(store.result("a"), std::optional<std::string>(R"({"AP":1})"));
  EXPECT_EQ(store.artifact("a", "weights"), std::optional<std::string>("/w"));
  // A coordinator that dies leaves "running" behind; the next one closes it.
  auto b1 = store.begin_attempt("b", "train", {"host", 0, 1, ""}, dir.path());
  EXPECT_EQ(store.recover_interrupted("coordinator died"), 1);
  EXPECT_EQ(store.run("b")->state, "pending");
  auto closed = store.attempts("b");
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].id, b1.id);
  EXPECT_EQ(closed[0].state, "interrupted");
  EXPECT_EQ(closed[0].reason, "coordinator died");
  EXPECT_TRUE(closed[0].end);
  EXPECT_EQ(store.begin_attempt("b", "train", {"host", 0, 1, ""}, dir.path()).number, 2);
  EXPECT_EQ(store.find_run("b").id, "b");
  EXPECT_THROW(store.find_run("zz"), InputError);
}

// A fresh expansion of an edited spec replaces the sweep's membership list: a run only the old version listed
// keeps its state and result but leaves runs(sweep); a later expansion (a GA generation) only adds; listing the
// old run again brings it back, with its result.
TEST(StoreRuns, ReplacingTheMembershipKeepsRetiredRunsAndTheirResults) {
  ScratchDir dir;
  Store store(dir / "s.db", Store::Mode::read_write);
  store.save_sweep("s", "spec.json", "{}");
  store.add_runs("s", {fake_run("a", 0), fake_run("b", 1)}, Store::Membership::replace);
  auto att = store.begin_attempt("b", "train", {"host", 0, 0, ""}, dir.path());
  AttemptEnd end;
  end.state = "ok";
  end.exit_code = 0;
  end.run_state = "done";
  end.result_json = R"({"AP":2})";
  store.finish_attempt(att.id, end, {});
  auto ids = [&]() {
    std::vector<std::string> out;
    for (const auto& r : store.runs("s")) out.push_back(r.id);
    return out;
  };
  store.add_runs("s", {fake_run("a", 0), fake_run("c", 1)}, Store::Membership::replace);
  EXPECT_EQ(ids(), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(store.run("b")->state, "done");
  EXPECT_EQ(store.result("b"), std::optional<std::string>(R"({"AP":2})"));
  store.add_runs("s", {fake_run("d", 2)});
  EXPECT_EQ(ids(), (std::vector<std::string>{"a", "c", "d"}));
  store.add_runs("s", {fake_run("b", 1)}, Store::Membership::replace);
  EXPECT_EQ(ids(), (std::vector<std::string>{"b"}));
  EXPECT_EQ(store.result("b"), std::optional<std::string>(R"({"AP":2})"));
}

TEST(StoreRuns, CancelRetryAndFailureCounts) {
  ScratchDir dir;
  Store store(dir / "s.db", Store::Mode::read_write);
  store.save_sweep("s", "spec.json", "{}");
  store.add_runs("s", {fake_run("a", 0), fake_run("b", 1)});
  auto att = store.begin_attempt("a", "train", {"h", 0, 0, ""}, dir.path());
  auto c = store.cancel({"a", "b"});
  EXPECT_EQ(c.cancelled, 1);  // b was pending
  EXPECT_EQ(c.requested, 1);  // a is running: its coordinator stops it
  EXPECT_EQ(store.cancel_requests(), std::vector<std::string>{"a"});
  AttemptEnd end;
  end.state = "failed";
  end.exit_code = 1;
  end.run_state = "failed";
  end.count_failure = true;
  store.finish_attempt(att.id, end, {});
  EXPECT_EQ(store.run("a")->failures, 1);
  EXPECT_FALSE(store.run("a")->cancel_requested);
  store.retry("a");
  EXPECT_EQ(store.run("a")->state, "pending");
  EXPECT_EQ(store.run("a")->failures, 0);
  EXPECT_THROW(store.retry("a"), InputError);  // pending runs cannot be retried
  store.retry("b");
  EXPECT_EQ(store.run("b")->state, "pending");
}

TEST(StoreMetrics, ARedoneIterationReplacesTheEarlierOne) {
  ScratchDir dir;
  Store store(dir / "s.db", Store::Mode::read_write);
  store.save_sweep("s", "spec.json", "{}");
  store.add_runs("s", {fake_run("a", 0)});
  store.record_progress({{"a", 1, 5, "iter", "{\"loss\":1}"}, {"a", 1, 6, "iter", "{\"loss\":2}"}}, {});
  store.record_progress({{"a", 2, 6, "iter", "{\"loss\":3}"}, {"a", 2, 6, "eval", "{\"AP\":3}"}}, {});
  auto m = store.metrics("a");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].kind, "eval");
  EXPECT_EQ(m[2].iteration, 6);
  EXPECT_EQ(m[2].attempt, 2);
  EXPECT_EQ(m[2].json, "{\"loss\":3}");
}

// The `sweep status` pattern: a reader opening read-only (fresh each time, and long-lived) while one
// writer commits continuously. WAL + busy_timeout must mean no reader error at all.
TEST(StoreConcurrency, ReadersNeverSeeDatabaseIsLocked) {
  ScratchDir dir;
  std::string path = dir / "s.db";
  {
    Store store(path, Store::Mode::read_write);
    store.save_sweep("s", "spec.json", "{}");
  }
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::string reader_error;
  std::thread reader([&] {
    try {
      Store longlived(path, Store::Mode::read_only);
      while (!stop) {
        Store fresh(path, Store::Mode::read_only);
        for (const auto& r : fresh.runs("s")) fresh.attempts(r.id);
        longlived.runs("");
        ++reads;
      }
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  });
  {
    Store writer(path, Store::Mode::read_write);
    for (int i = 0; i < 150; ++i) {
      std::string id = "run" + std::to_string(i);
      writer.add_runs("s", {fake_run(id, i)});
      auto a = writer.begin_attempt(id, "train", {"h", 0, 0, ""}, dir.path());
      writer.record_progress({{id, a.id, 1, "iter", "{}"}}, {{a.id, 1, 2, 0.5}});
      AttemptEnd end;
      end.state = "ok";
      end.run_state = "done";
      end.result_json = "{}";
      writer.finish_attempt(a.id, end, {});
    }
  }
  while (reads < 20 && reader_error.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  reader.join();
  EXPECT_EQ(reader_error, "");
  EXPECT_GE(reads.load(), 20);
  Store check(path, Store::Mode::read_only);
  EXPECT_EQ(check.integrity_check(), "ok");
  EXPECT_EQ(check.runs("s").size(), 150u);
}

}  // namespace
}  // namespace ds
