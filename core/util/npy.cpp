// .npy reader/writer: parses the header dictionary ('descr', 'fortran_order', 'shape') by hand.
#include "core/util/npy.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace ds {

NpyArray read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path + ": cannot open .npy file");
  char magic[6];
  uint8_t version[2];
  f.read(magic, 6);
  f.read(reinterpret_cast<char*>(version), 2);
  if (!f || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw InputError(path + ": not a .npy file (bad magic)");
  uint32_t header_len = 0;
  if (version[0] == 1) {
    uint16_t h16 = 0;
    f.read(reinterpret_cast<char*>(&h16), 2);
    header_len = h16;
  } else {
    f.read(reinterpret_cast<char*>(&header_len), 4);
  }
  std::string header(header_len, '\0');
  f.read(header.data(), header_len);
  if (!f) throw InputError(path + ": truncated .npy header");
  if (header.find("'descr': '<f4'") == std::string::npos)
    throw InputError(path + ": expected dtype float32 ('<f4'); header: " + header);
  if (header.find("'fortran_order': False") == std::string::npos)
    throw InputError(path + ": Fortran-order arrays are not supported; save with C order");
  auto open = header.find('(', header.find("'shape'"));
  auto close = header.find(')', open);
  if (open == std::string::npos || close == std::string::npos) throw InputError(path + ": no shape in .npy header");
  NpyArray a;
  std::stringstream dims(header.substr(open + 1, close - open - 1));
  std::string item;
  size_t count = 1;
  while (std::getline(dims, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos) continue;
    a.shape.push_back(std::stoul(item));
    count *= a.shape.back();
  }
  a.data.resize(count);
  f.read(reinterpret_cast<char*>(a.data.data()), std::streamsize(count * sizeof(float)));
  if (!f) throw InputError(path + ": truncated .npy data (expected " + std::to_string(count) + " floats)");
  return a;
}

void write_npy(const std::string& path, const std::vector<size_t>& shape, const float* data) {
  std::string dims;  // Python tuple syntax: "(5,)", "(2, 3)"
  size_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    dims += (i ? ", " : "") + std::to_string(shape[i]);
    count *= shape[i];
  }
  if (shape.size() == 1) dims += ",";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += char(1);
  bytes += char(0);
  uint16_t len = uint16_t(header.size());
  bytes.append(reinterpret_cast<const char*>(&len), 2);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(data), count * sizeof(float));
  write_file_atomically(path, bytes);
}

}  // namespace ds
