// Reading and writing float32 C-order .npy files (NumPy format 1.0/2.0), the interchange format of
// `sweep inspect` and the darknet golden fixtures.
#pragma once
#include <string>
#include <vector>

namespace ds {

struct NpyArray {
  std::vector<size_t> shape;
  std::vector<float> data;
};

// Errors (not float32 '<f4', Fortran order, truncated data) are InputErrors naming the file.
NpyArray read_npy(const std::string& path);
// Writes atomically (temporary file + rename).
void write_npy(const std::string& path, const std::vector<size_t>& shape, const float* data);

}  // namespace ds
