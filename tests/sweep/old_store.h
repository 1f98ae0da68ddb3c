// A sweep database left at an older schema version with some rows in it, for the migration tests.
#pragma once
#include <string>

#include "sweep/sqlite_db.h"
#include "sweep/store.h"

namespace ds::test {

inline void write_old_store(const std::string& path, int version, const std::string& sql) {
  SqliteDb db(path, false, 1000);
  migrate_store(db, version);
  db.exec(sql);
}

}  // namespace ds::test
