// The SQLite schema of the sweep store, its migrations, and every query the scheduler and commands use.
#include "sweep/store.h"

#include <sys/stat.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/util/error.h"

namespace ds {
namespace {

// Schema by version: kMigrations[v] takes a database from user_version v to v + 1.
const char* const kMigrations[] = {
    // 0 -> 1: the tables.
    R"sql(
CREATE TABLE sweeps(
  name TEXT PRIMARY KEY, spec_path TEXT NOT NULL, spec_text TEXT NOT NULL,
  created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE runs(
  id TEXT PRIMARY KEY, config TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('pending','running','done','failed','cancelled')),
  estimate REAL NOT NULL DEFAULT 0, deps TEXT NOT NULL DEFAULT '[]',
  failures INTEGER NOT NULL DEFAULT 0, cancel_requested INTEGER NOT NULL DEFAULT 0,
  created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE sweep_runs(
  sweep TEXT NOT NULL REFERENCES sweeps(name), run TEXT NOT NULL REFERENCES runs(id),
  stage TEXT NOT NULL, row_index INTEGER NOT NULL, row_label TEXT NOT NULL,
  seed INTEGER NOT NULL, repeat_index INTEGER NOT NULL, paper TEXT,
  PRIMARY KEY(sweep, run));
CREATE TABLE attempts(
  id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL REFERENCES runs(id), number INTEGER NOT NULL,
  purpose TEXT NOT NULL, state TEXT NOT NULL, host TEXT, pid INTEGER, rank INTEGER NOT NULL DEFAULT 0,
  slot INTEGER, gpu TEXT, start REAL NOT NULL, end REAL, exit_code INTEGER, signal INTEGER, reason TEXT,
  log_path TEXT, UNIQUE(run, number));
CREATE INDEX attempts_by_state ON attempts(state);
CREATE TABLE metrics(
  run TEXT NOT NULL REFERENCES runs(id), attempt INTEGER NOT NULL, iteration INTEGER NOT NULL,
  kind TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY(run, kind, iteration));
CREATE TABLE results(
  run TEXT PRIMARY KEY REFERENCES runs(id), attempt INTEGER NOT NULL, json TEXT NOT NULL, finished REAL NOT NULL);
CREATE TABLE artifacts(
  run TEXT NOT NULL REFERENCES runs(id), attempt INTEGER NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL,
  created REAL NOT NULL, PRIMARY KEY(run, kind, path));
)sql",
    // 1 -> 2: live progress of an attempt, so `sweep status` can show where a running run is.
    R"sql(
ALTER TABLE attempts ADD COLUMN last_seen REAL;
ALTER TABLE attempts ADD COLUMN iteration INTEGER;
ALTER TABLE attempts ADD COLUMN max_iterations INTEGER;
ALTER TABLE attempts ADD COLUMN loss REAL;
)sql",
    // 2 -> 3: the generations of GA stages (written by the coordinator as it expands the spec again).
    R"sql(
CREATE TABLE ga_individuals(
  sweep TEXT NOT NULL REFERENCES sweeps(name), stage TEXT NOT NULL, generation INTEGER NOT NULL,
  individual INTEGER NOT NULL, run TEXT NOT NULL REFERENCES runs(id), overrides TEXT NOT NULL,
  fitness REAL, carried_from INTEGER, PRIMARY KEY(sweep, stage, generation, individual));
CREATE TABLE ga_generations(
  sweep TEXT NOT NULL REFERENCES sweeps(name), stage TEXT NOT NULL, generation INTEGER NOT NULL,
  best_run TEXT REFERENCES runs(id), best_fitness REAL, best_overrides TEXT,
  PRIMARY KEY(sweep, stage, generation));
)sql",
    // 3 -> 4: which of a sweep's memberships the latest expansion of its spec listed. Runs that only an earlier
    // version of the spec listed keep their rows (and results) but leave the sweep's reports and status.
    R"sql(
ALTER TABLE sweep_runs ADD COLUMN current INTEGER NOT NULL DEFAULT 1;
)sql",
    // 4 -> 5: how many processes (slots) an attempt trained on: K > 1 for a data-parallel run, whose slot is
    // the first of its K and whose gpu lists their GPUs.
    R"sql(
ALTER TABLE attempts ADD COLUMN processes INTEGER NOT NULL DEFAULT 1;
)sql",
};
static_assert(std::size(kMigrations) == kStoreSchemaVersion);

int user_version(SqliteDb& db) {
  Stmt s(db, "PRAGMA user_version");
  s.step();
  return int(s.int64(0));
}

std::vector<std::string> json_strings(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& v : nlohmann::json::parse(text)) out.push_back(v.get<std::string>());
  return out;
}

const char* kRunColumns =
    "r.id, r.config, r.state, r.estimate, r.deps, r.failures, r.cancel_requested, "
    "m.sweep, m.stage, m.row_label, m.paper, m.row_index, m.seed, m.repeat_index";

RunRecord read_run(const Stmt& s) {
  RunRecord r;
  r.id = s.text(0);
  r.config = s.text(1);
  r.state = s.text(2);
  r.estimate = s.real(3);
  r.deps = json_strings(s.text(4));
  r.failures = int(s.int64(5));
  r.cancel_requested = s.int64(6) != 0;
  r.sweep = s.text(7);
  r.stage = s.text(8);
  r.row_label = s.text(9);
  r.paper = s.text(10);
  r.row_index = s.is_null(11) ? -1 : int(s.int64(11));
  r.seed = int(s.int64(12));
  r.repeat = int(s.int64(13));
  return r;
}

}  // namespace

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void migrate_store(SqliteDb& db, int target) {
  int version = user_version(db);
  if (version > kStoreSchemaVersion)
    throw InputError(db.path() + ": database schema version " + std::to_string(version) +
                     " is newer than this build's (" + std::to_string(kStoreSchemaVersion) + ")");
  while (version < target) {
    Transaction txn(db);
    db.exec(kMigrations[version]);
    // PRAGMA takes no bound parameters; the version is our own integer, not user text.
    db.exec("PRAGMA user_version = " + std::to_string(version + 1));
    txn.commit();
    ++version;
  }
}

Store::Store(const std::string& path, Mode mode) {
  bool read_only = mode == Mode::read_only;
  struct stat st {};
  if (read_only && ::stat(path.c_str(), &st) != 0) throw InputError("no sweep database at '" + path + "'");
  db_ = std::make_unique<SqliteDb>(path, read_only, 10000);
  if (read_only) {
    int v = user_version(*db_);
    if (v != kStoreSchemaVersion)
      throw InputError(path + ": database schema version " + std::to_string(v) + ", this build reads " +
                       std::to_string(kStoreSchemaVersion) + " (a `sweep run` on it migrates it)");
    return;
  }
  // WAL: readers see the last commit while the coordinator writes. NORMAL sync is durable against a
  // killed process (the case we care about); only an OS crash can lose the last commits.
  db_->exec("PRAGMA journal_mode = WAL");
  db_->exec("PRAGMA synchronous = NORMAL");
  db_->exec("PRAGMA foreign_keys = ON");
  migrate();
}

void Store::migrate() { migrate_store(*db_, kStoreSchemaVersion); }

int Store::schema_version() { return user_version(*db_); }

void Store::save_sweep(const std::string& name, const std::string& spec_path, const std::string& spec_text) {
  Transaction txn(*db_);
  Stmt s(*db_,
         "INSERT INTO sweeps(name, spec_path, spec_text, created, updated) VALUES(?1, ?2, ?3, ?4, ?4) "
         "ON CONFLICT(name) DO UPDATE SET spec_path = ?2, spec_text = ?3, updated = ?4");
  s.bind(1, name).bind(2, spec_path).bind(3, spec_text).bind(4, now_seconds()).run();
  txn.commit();
}

std::vector<std::string> Store::sweeps() {
  Stmt s(*db_, "SELECT name FROM sweeps ORDER BY created");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::optional<std::string> Store::sweep_spec_path(const std::string& name) {
  Stmt s(*db_, "SELECT spec_path FROM sweeps WHERE name = ?1");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

int Store::add_runs(const std::string& sweep, const std::vector<ResolvedRun>& runs, Membership membership) {
  Transaction txn(*db_);
  if (membership == Membership::replace) {
    Stmt retire(*db_, "UPDATE sweep_runs SET current = 0 WHERE sweep = ?1");
    retire.bind(1, sweep).run();
  }
  Stmt add(*db_,
           "INSERT OR IGNORE INTO runs(id, config, state, estimate, deps, created, updated) "
           "VALUES(?1, ?2, 'pending', ?3, ?4, ?5, ?5)");
  // Dependencies from stage order are not part of the identity, so the latest spec's are kept.
  Stmt refresh(*db_, "UPDATE runs SET deps = ?2, estimate = ?3 WHERE id = ?1");
  Stmt member(*db_,
              "INSERT INTO sweep_runs(sweep, run, stage, row_index, row_label, seed, repeat_index, paper) "
              "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(sweep, run) DO UPDATE SET stage = ?3, "
              "row_index = ?4, row_label = ?5, seed = ?6, repeat_index = ?7, paper = ?8, current = 1");
  int added = 0;
  double now = now_seconds();
  for (const auto& r : runs) {
    add.bind(1, r.id).bind(2, r.canonical).bind(3, r.estimate).bind(4, nlohmann::json(r.deps).dump()).bind(5, now);
    add.run();
    added += db_->changes();
    add.reset();
    refresh.bind(1, r.id).bind(2, nlohmann::json(r.deps).dump()).bind(3, r.estimate).run();
    refresh.reset();
    std::optional<std::string> paper;
    if (r.paper) paper = nlohmann::json{{"table", r.paper->table}, {"row", r.paper->row}}.dump();
    member.bind(1, sweep).bind(2, r.id).bind(3, r.stage).bind(4, r.row_index).bind(5, r.row_label);
    member.bind(6, r.seed).bind(7, r.repeat).bind(8, paper).run();
    member.reset();
  }
  txn.commit();
  return added;
}

std::vector<RunRecord> Store::runs(const std::string& sweep) {
  std::string sql = std::string("SELECT ") + kRunColumns +
                    " FROM sweep_runs m JOIN runs r ON r.id = m.run WHERE (?1 = '' OR m.sweep = ?1) AND m.current = 1 "
                    "ORDER BY m.sweep, m.row_index, m.seed, m.repeat_index, m.row_label";
  Stmt s(*db_, sql.c_str());
  s.bind(1, sweep);
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::optional<RunRecord> Store::run(const std::string& id) {
  std::string sql = std::string("SELECT ") + kRunColumns +
                    " FROM runs r LEFT JOIN sweep_runs m ON r.id = m.run WHERE r.id = ?1 LIMIT 1";
  Stmt s(*db_, sql.c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

RunRecord Store::find_run(const std::string& id_or_prefix) {
  if (id_or_prefix.empty()) throw InputError("no run id given");
  Stmt s(*db_, "SELECT id FROM runs WHERE substr(id, 1, length(?1)) = ?1 LIMIT 3");
  s.bind(1, id_or_prefix);
  std::vector<std::string> hits;
  while (s.step()) hits.push_back(s.text(0));
  if (hits.empty()) throw InputError("no run '" + id_or_prefix + "' in " + db_->path());
  if (hits.size() > 1) throw InputError("run prefix '" + id_or_prefix + "' is ambiguous (" + hits[0] + ", " + hits[1] + ", ...)");
  return *run(hits[0]);
}

std::vector<AttemptRecord> Store::attempts(const std::string& run) {
  Stmt s(*db_,
         "SELECT id, run, number, purpose, state, host, gpu, reason, log_path, pid, rank, slot, start, end, "
         "exit_code, signal, iteration, max_iterations, loss, last_seen, processes FROM attempts WHERE run = ?1 "
         "ORDER BY number");
  s.bind(1, run);
  std::vector<AttemptRecord> out;
  while (s.step()) {
    AttemptRecord a;
    a.id = s.int64(0);
    a.run = s.text(1);
    a.number = int(s.int64(2));
    a.purpose = s.text(3);
    a.state = s.text(4);
    a.host = s.text(5);
    a.gpu = s.text(6);
    a.reason = s.text(7);
    a.log_path = s.text(8);
    a.pid = s.int64(9);
    a.rank = int(s.int64(10));
    a.slot = s.is_null(11) ? -1 : int(s.int64(11));
    a.start = s.real(12);
    if (!s.is_null(13)) a.end = s.real(13);
    if (!s.is_null(14)) a.exit_code = int(s.int64(14));
    if (!s.is_null(15)) a.signal = int(s.int64(15));
    if (!s.is_null(16)) a.iteration = s.int64(16);
    if (!s.is_null(17)) a.max_iterations = s.int64(17);
    if (!s.is_null(18)) a.loss = s.real(18);
    if (!s.is_null(19)) a.last_seen = s.real(19);
    a.processes = int(s.int64(20));
    out.push_back(a);
  }
  return out;
}

std::optional<std::string> Store::result(const std::string& run) {
  Stmt s(*db_, "SELECT json FROM results WHERE run = ?1");
  s.bind(1, run);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::optional<std::string> Store::artifact(const std::string& run, const std::string& kind) {
  Stmt s(*db_, "SELECT path FROM artifacts WHERE run = ?1 AND kind = ?2 ORDER BY created DESC, rowid DESC LIMIT 1");
  s.bind(1, run).bind(2, kind);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::vector<MetricRow> Store::metrics(const std::string& run) {
  Stmt s(*db_, "SELECT run, attempt, iteration, kind, json FROM metrics WHERE run = ?1 ORDER BY kind, iteration");
  s.bind(1, run);
  std::vector<MetricRow> out;
  while (s.step()) out.push_back({s.text(0), s.int64(1), s.int64(2), s.text(3), s.text(4)});
  return out;
}

int Store::recover_interrupted(const std::string& reason) {
  Transaction txn(*db_);
  Stmt close(*db_, "UPDATE attempts SET state = 'interrupted', end = ?1, reason = ?2 WHERE state = 'running'");
  close.bind(1, now_seconds()).bind(2, reason).run();
  int closed = db_->changes();
  Stmt requeue(*db_, "UPDATE runs SET state = 'pending', updated = ?1 WHERE state = 'running'");
  requeue.bind(1, now_seconds()).run();
  txn.commit();
  return closed;
}

int Store::requeue(const std::vector<std::string>& ids) {
  Transaction txn(*db_);
  Stmt s(*db_,
         "UPDATE runs SET state = 'pending', failures = 0, cancel_requested = 0, updated = ?2 "
         "WHERE id = ?1 AND state IN ('done', 'failed', 'cancelled')");
  int n = 0;
  for (const auto& id : ids) {
    s.bind(1, id).bind(2, now_seconds()).run();
    n += db_->changes();
    s.reset();
  }
  txn.commit();
  return n;
}

Store::NewAttempt Store::begin_attempt(const std::string& run, const std::string& purpose, const AttemptPlace& place,
                                       const std::string& log_dir) {
  Transaction txn(*db_);
  Stmt next(*db_, "SELECT COALESCE(MAX(number), 0) + 1 FROM attempts WHERE run = ?1");
  next.bind(1, run).step();
  int number = int(next.int64(0));
  std::string log_path = log_dir + "/attempt-" + std::to_string(number) + ".log";
  Stmt add(*db_,
           "INSERT INTO attempts(run, number, purpose, state, host, slot, gpu, start, log_path, last_seen, rank, processes) "
           "VALUES(?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7, ?8, ?7, ?9, ?10)");
  add.bind(1, run).bind(2, number).bind(3, purpose).bind(4, place.host).bind(5, place.slot).bind(6, place.gpu);
  add.bind(7, now_seconds()).bind(8, log_path).bind(9, place.rank).bind(10, place.processes).run();
  int64_t id = db_->last_insert_rowid();
  if (purpose == "train") {
    Stmt mark(*db_, "UPDATE runs SET state = 'running', updated = ?2 WHERE id = ?1");
    mark.bind(1, run).bind(2, now_seconds()).run();
  }
  txn.commit();
  return {id, number, log_path};
}

void Store::set_attempt_pid(int64_t attempt, int64_t pid) {
  Transaction txn(*db_);
  Stmt s(*db_, "UPDATE attempts SET pid = ?2 WHERE id = ?1");
  s.bind(1, attempt).bind(2, pid).run();
  txn.commit();
}

void Store::finish_attempt(int64_t attempt, const AttemptEnd& end, const std::vector<Artifact>& artifacts) {
  Transaction txn(*db_);
  double now = now_seconds();
  Stmt s(*db_, "UPDATE attempts SET state = ?2, end = ?3, exit_code = ?4, signal = ?5, reason = ?6 WHERE id = ?1");
  s.bind(1, attempt).bind(2, end.state).bind(3, now).bind(4, end.exit_code).bind(5, end.signal).bind(6, end.reason);
  s.run();
  Stmt who(*db_, "SELECT run FROM attempts WHERE id = ?1");
  who.bind(1, attempt);
  if (!who.step()) throw std::runtime_error("finish_attempt: no attempt " + std::to_string(attempt));
  std::string run = who.text(0);
  if (!end.run_state.empty()) {
    Stmt r(*db_,
           "UPDATE runs SET state = ?2, failures = failures + ?3, "
           "cancel_requested = CASE WHEN ?2 = 'running' THEN cancel_requested ELSE 0 END, updated = ?4 WHERE id = ?1");
    r.bind(1, run).bind(2, end.run_state).bind(3, end.count_failure ? 1 : 0).bind(4, now).run();
  }
  if (end.result_json) {
    Stmt r(*db_,
           "INSERT INTO results(run, attempt, json, finished) VALUES(?1, ?2, ?3, ?4) "
           "ON CONFLICT(run) DO UPDATE SET attempt = ?2, json = ?3, finished = ?4");
    r.bind(1, run).bind(2, attempt).bind(3, *end.result_json).bind(4, now).run();
  }
  Stmt a(*db_,
         "INSERT INTO artifacts(run, attempt, kind, path, created) VALUES(?1, ?2, ?3, ?4, ?5) "
         "ON CONFLICT(run, kind, path) DO UPDATE SET attempt = ?2, created = ?5");
  for (const auto& art : artifacts) {
    a.bind(1, run).bind(2, attempt).bind(3, art.kind).bind(4, art.path).bind(5, now).run();
    a.reset();
  }
  txn.commit();
}

void Store::record_progress(const std::vector<MetricRow>& rows, const std::vector<Progress>& latest) {
  if (rows.empty() && latest.empty()) return;
  Transaction txn(*db_);
  Stmt m(*db_,
         "INSERT INTO metrics(run, attempt, iteration, kind, json) VALUES(?1, ?2, ?3, ?4, ?5) "
         "ON CONFLICT(run, kind, iteration) DO UPDATE SET attempt = ?2, json = ?5");
  for (const auto& r : rows) {
    m.bind(1, r.run).bind(2, r.attempt).bind(3, r.iteration).bind(4, r.kind).bind(5, r.json).run();
    m.reset();
  }
  Stmt p(*db_, "UPDATE attempts SET iteration = ?2, max_iterations = ?3, loss = ?4, last_seen = ?5 WHERE id = ?1");
  for (const auto& l : latest) {
    p.bind(1, l.attempt).bind(2, l.iteration).bind(3, l.max_iterations).bind(4, l.loss).bind(5, now_seconds()).run();
    p.reset();
  }
  txn.commit();
}

Store::CancelCount Store::cancel(const std::vector<std::string>& ids) {
  CancelCount c;
  Transaction txn(*db_);
  Stmt pending(*db_, "UPDATE runs SET state = 'cancelled', updated = ?2 WHERE id = ?1 AND state = 'pending'");
  Stmt running(*db_, "UPDATE runs SET cancel_requested = 1, updated = ?2 WHERE id = ?1 AND state = 'running'");
  for (const auto& id : ids) {
    pending.bind(1, id).bind(2, now_seconds()).run();
    c.cancelled += db_->changes();
    pending.reset();
    running.bind(1, id).bind(2, now_seconds()).run();
    c.requested += db_->changes();
    running.reset();
  }
  txn.commit();
  return c;
}

std::vector<std::string> Store::cancel_requests() {
  Stmt s(*db_, "SELECT id FROM runs WHERE cancel_requested = 1 AND state = 'running'");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void Store::retry(const std::string& run) {
  Transaction txn(*db_);
  Stmt s(*db_, "SELECT state FROM runs WHERE id = ?1");
  s.bind(1, run);
  if (!s.step()) throw InputError("no run '" + run + "'");
  std::string state = s.text(0);
  if (state != "failed" && state != "cancelled")
    throw InputError("run " + run + " is " + state + "; only failed or cancelled runs can be retried");
  Stmt u(*db_, "UPDATE runs SET state = 'pending', failures = 0, cancel_requested = 0, updated = ?2 WHERE id = ?1");
  u.bind(1, run).bind(2, now_seconds()).run();
  txn.commit();
}

void Store::save_ga(const std::string& sweep, const std::vector<GaProgress>& stages) {
  Transaction txn(*db_);
  Stmt clear_ind(*db_, "DELETE FROM ga_individuals WHERE sweep = ?1 AND stage = ?2");
  Stmt clear_gen(*db_, "DELETE FROM ga_generations WHERE sweep = ?1 AND stage = ?2");
  Stmt ind(*db_,
           "INSERT INTO ga_individuals(sweep, stage, generation, individual, run, overrides, fitness, carried_from) "
           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  Stmt gen(*db_,
           "INSERT INTO ga_generations(sweep, stage, generation, best_run, best_fitness, best_overrides) "
           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  for (const auto& p : stages) {
    clear_ind.bind(1, sweep).bind(2, p.stage).run();
    clear_ind.reset();
    clear_gen.bind(1, sweep).bind(2, p.stage).run();
    clear_gen.reset();
    for (size_t g = 0; g < p.generations.size(); ++g) {
      for (const auto& m : p.generations[g].members) {
        std::optional<int> carried;
        if (m.carried_from >= 0) carried = m.carried_from;
        ind.bind(1, sweep).bind(2, p.stage).bind(3, int(g)).bind(4, m.index).bind(5, m.run);
        ind.bind(6, nlohmann::json(m.overrides).dump()).bind(7, m.fitness).bind(8, carried).run();
        ind.reset();
      }
      const auto& best = p.generations[g].best_so_far;
      std::optional<std::string> run, overrides;
      std::optional<double> fitness;
      if (best) run = best->run, overrides = nlohmann::json(best->overrides).dump(), fitness = best->fitness;
      gen.bind(1, sweep).bind(2, p.stage).bind(3, int(g)).bind(4, run).bind(5, fitness).bind(6, overrides).run();
      gen.reset();
    }
  }
  txn.commit();
}

std::vector<GaRecord> Store::ga(const std::string& sweep) {
  Stmt s(*db_,
         "SELECT i.stage, i.generation, i.individual, i.run, i.overrides, i.fitness, i.carried_from, g.best_run, "
         "g.best_fitness FROM ga_individuals i JOIN ga_generations g ON g.sweep = i.sweep AND g.stage = i.stage "
         "AND g.generation = i.generation WHERE i.sweep = ?1 ORDER BY i.stage, i.generation, i.individual");
  s.bind(1, sweep);
  std::vector<GaRecord> out;
  while (s.step()) {
    GaRecord r;
    r.stage = s.text(0);
    r.generation = int(s.int64(1));
    r.individual = int(s.int64(2));
    r.run = s.text(3);
    r.overrides = json_strings(s.text(4));
    if (!s.is_null(5)) r.fitness = s.real(5);
    r.carried_from = s.is_null(6) ? -1 : int(s.int64(6));
    r.best_run = s.text(7);
    if (!s.is_null(8)) r.best_fitness = s.real(8);
    out.push_back(r);
  }
  return out;
}

std::string Store::integrity_check() {
  Stmt s(*db_, "PRAGMA integrity_check");
  std::string out;
  while (s.step()) out += (out.empty() ? "" : "\n") + s.text(0);
  return out;
}

}  // namespace ds
