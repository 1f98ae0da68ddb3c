// Checkpoint file reading and writing (see checkpoint.h for the layout).
#include "core/nn/checkpoint.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace ds {
namespace {
constexpr char kMagic[8] = {'D', 'S', 'C', 'K', 'P', 'T', '0', '1'};
}

void save_checkpoint(const std::string& path, const Network& net, const TrainState& state) {
  net.sync_to_host();  // an accelerator holds the current values
  nlohmann::json header = {{"iteration", state.iteration}, {"seen", state.seen}, {"num_params", net.num_params()},
                           {"rng", state.rng},             {"extra", state.extra}};
  std::string text = header.dump();
  uint64_t len = text.size();
  std::string bytes(kMagic, 8);
  bytes.append(reinterpret_cast<const char*>(&len), 8);
  bytes += text;
  bytes.append(reinterpret_cast<const char*>(net.params()), net.num_params() * sizeof(float));
  bytes.append(reinterpret_cast<const char*>(net.grads()), net.num_params() * sizeof(float));
  write_file_atomically(path, bytes);
}

TrainState load_checkpoint(const std::string& path, Network& net) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path + ": cannot open checkpoint");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string bytes = ss.str();
  if (bytes.size() < 16 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw InputError(path + ": not a darksweep checkpoint (bad magic)");
  uint64_t len = 0;
  std::memcpy(&len, bytes.data() + 8, 8);
  if (len > bytes.size() - 16) throw InputError(path + ": truncated checkpoint header");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.substr(16, len));
  } catch (const std::exception& e) {
    throw InputError(path + ": malformed checkpoint header: " + e.what());
  }
  const size_t n = header.value("num_params", size_t(0));
  if (n != net.num_params())
    throw InputError(path + ": checkpoint holds " + std::to_string(n) + " parameters, the network has " +
                     std::to_string(net.num_params()) + " (made for another cfg?)");
  const size_t expected = 16 + len + 2 * n * sizeof(float);
  if (bytes.size() != expected)
    throw InputError(path + ": checkpoint is " + std::to_string(bytes.size()) + " bytes, expected " +
                     std::to_string(expected) + " (truncated or corrupted)");
  std::memcpy(net.params(), bytes.data() + 16 + len, n * sizeof(float));
  std::memcpy(net.grads(), bytes.data() + 16 + len + n * sizeof(float), n * sizeof(float));
  net.sync_to_device();
  TrainState s;
  s.iteration = header.value("iteration", int64_t(0));
  s.seen = header.value("seen", uint64_t(0));
  s.rng = header.value("rng", std::map<std::string, std::string>{});
  s.extra = header.value("extra", nlohmann::json::object());
  return s;
}

}  // namespace ds
