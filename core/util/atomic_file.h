// Writing a file so that readers see either the old or the complete new content, never half of it.
#pragma once
#include <string>

namespace ds {

// Writes to PATH.tmp.PID, fsyncs, renames over PATH, and fsyncs the directory.
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace ds
