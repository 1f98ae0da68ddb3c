// Thin checked wrappers over the SQLite C API: a connection, prepared statements, IMMEDIATE transactions.
// Every failing call throws with the call's name, SQLite's message and the C++ site that made it.
#pragma once
#include <cstdint>
#include <optional>
#include <source_location>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace ds {

// Throws when `rc` is not SQLITE_OK (or one of `also_ok`): "sqlite3_step at store.cpp:120 (fn): database is
// locked [5]". SQLITE_NOTADB / SQLITE_CORRUPT become InputErrors (a bad database is bad input).
void sqlite_check(sqlite3* db, int rc, const char* call, std::source_location site = std::source_location::current());

class SqliteDb {
 public:
  SqliteDb(const std::string& path, bool read_only, int busy_timeout_ms);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }
  // For statements without parameters and results (schema, pragmas that set).
  void exec(const std::string& sql, std::source_location site = std::source_location::current());
  int64_t last_insert_rowid() const;
  int changes() const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  bool read_only_ = false;
};

class Stmt {
 public:
  Stmt(const SqliteDb& db, const char* sql, std::source_location site = std::source_location::current());
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Parameters are 1-based, as in SQLite.
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, int64_t(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Stmt& bind_null(int i);
  template <class T>
  Stmt& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }

  bool step();  // true: a row is ready; false: done
  void run();   // step() expecting no row
  void reset();

  bool is_null(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
  std::source_location site_;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back when destroyed without commit (an exception unwound it).
class Transaction {
 public:
  explicit Transaction(SqliteDb& db, std::source_location site = std::source_location::current());
  ~Transaction();
  void commit();

 private:
  SqliteDb& db_;
  bool open_ = true;
  std::source_location site_;
};

}  // namespace ds
