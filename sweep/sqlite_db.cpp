// Checked SQLite calls; the site in every message comes from std::source_location of the caller.
#include "sweep/sqlite_db.h"

#include <sqlite3.h>

#include <stdexcept>

#include "core/util/error.h"

namespace ds {
namespace {

std::string site_text(const std::source_location& s) {
  std::string file = s.file_name();
  if (auto slash = file.rfind('/'); slash != std::string::npos) file = file.substr(slash + 1);
  return file + ":" + std::to_string(s.line()) + " (" + s.function_name() + ")";
}

}  // namespace

void sqlite_check(sqlite3* db, int rc, const char* call, std::source_location site) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  std::string msg = std::string(call) + " at " + site_text(site) + ": " +
                    (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)) + " [" + std::to_string(rc) + "]";
  int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
    const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
    throw InputError(std::string(file && *file ? file : "database") + ": not a valid sweep database (" +
                     (primary == SQLITE_NOTADB ? "not an SQLite file" : "corrupt") + "): " + msg);
  }
  throw std::runtime_error(msg);
}

SqliteDb::SqliteDb(const std::string& path, bool read_only, int busy_timeout_ms) : path_(path), read_only_(read_only) {
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "sqlite3_open_v2 '" + path + "': " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    if (read_only && (rc & 0xff) == SQLITE_CANTOPEN) throw InputError(msg + " (no sweep database there?)");
    throw std::runtime_error(msg);
  }
  sqlite_check(db_, sqlite3_extended_result_codes(db_, 1), "sqlite3_extended_result_codes");
  sqlite_check(db_, sqlite3_busy_timeout(db_, busy_timeout_ms), "sqlite3_busy_timeout");
}

SqliteDb::~SqliteDb() {
  if (db_) sqlite3_close_v2(db_);
}

void SqliteDb::exec(const std::string& sql, std::source_location site) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  sqlite_check(db_, rc, "sqlite3_exec", site);
}

int64_t SqliteDb::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int SqliteDb::changes() const { return sqlite3_changes(db_); }

Stmt::Stmt(const SqliteDb& db, const char* sql, std::source_location site) : db_(db.handle()), site_(site) {
  sqlite_check(db_, sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr), "sqlite3_prepare_v2", site_);
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite_check(db_, sqlite3_bind_int64(stmt_, i, v), "sqlite3_bind_int64", site_);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  sqlite_check(db_, sqlite3_bind_double(stmt_, i, v), "sqlite3_bind_double", site_);
  return *this;
}
Stmt& Stmt::bind(int i, const std::string& v) {
  sqlite_check(db_, sqlite3_bind_text(stmt_, i, v.data(), int(v.size()), SQLITE_TRANSIENT), "sqlite3_bind_text",
               site_);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite_check(db_, sqlite3_bind_null(stmt_, i), "sqlite3_bind_null", site_);
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_);
  sqlite_check(db_, rc, "sqlite3_step", site_);
  return rc == SQLITE_ROW;
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  sqlite_check(db_, sqlite3_reset(stmt_), "sqlite3_reset", site_);
  sqlite_check(db_, sqlite3_clear_bindings(stmt_), "sqlite3_clear_bindings", site_);
}

bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::real(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Stmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(stmt_, col))) : std::string();
}

Transaction::Transaction(SqliteDb& db, std::source_location site) : db_(db), site_(site) {
  // IMMEDIATE takes the write lock now, so a busy database waits here (busy_timeout) instead of
  // failing later on an upgrade from a read to a write lock, which busy_timeout cannot retry.
  db_.exec("BEGIN IMMEDIATE", site);
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT", site_);
  open_ = false;
}

}  // namespace ds
