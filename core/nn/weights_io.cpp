// Reading and writing darknet .weights (darknet's load_weights_upto / save_weights_upto).
#include "core/nn/weights_io.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace ds {
namespace {

bool is_batchnorm_block(ParamKind k) {
  return k == ParamKind::scale || k == ParamKind::rolling_mean || k == ParamKind::rolling_variance;
}

// The parameter slots that the file holds for layers [0, cutoff), in file order.
std::vector<const ParamSlot*> slots_in_file(const Network& net, int cutoff, bool reading) {
  std::vector<const ParamSlot*> out;
  for (const ParamSlot& s : net.param_slots()) {
    if (s.layer >= cutoff) break;
    const Layer& l = net.layer(size_t(s.layer));
    if (reading && l.dontload) continue;
    if (reading && l.dontloadscales && is_batchnorm_block(s.block.kind)) continue;
    out.push_back(&s);
  }
  return out;
}

int resolve_cutoff(const Network& net, int cutoff) {
  return cutoff < 0 || size_t(cutoff) > net.num_layers() ? int(net.num_layers()) : cutoff;
}

}  // namespace

WeightsHeader load_weights(Network& net, const std::string& path, int cutoff) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw InputError(path + ": cannot open weights file");
  const size_t file_size = size_t(f.tellg());
  f.seekg(0);
  WeightsHeader h;
  if (file_size < 12) throw InputError(path + ": truncated weights header (" + std::to_string(file_size) + " bytes)");
  f.read(reinterpret_cast<char*>(&h.major), 4);
  f.read(reinterpret_cast<char*>(&h.minor), 4);
  f.read(reinterpret_cast<char*>(&h.revision), 4);
  size_t header_bytes = 12;
  if (int64_t(h.major) * 10 + h.minor >= 2) {  // 64 bits: any header bytes are valid input
    f.read(reinterpret_cast<char*>(&h.seen), 8);
    header_bytes += 8;
  } else {
    int32_t seen32 = 0;
    f.read(reinterpret_cast<char*>(&seen32), 4);
    h.seen = uint64_t(seen32);
    header_bytes += 4;
  }
  if (h.major < 0 || h.major > 1000 || h.minor < 0 || h.minor > 1000)
    throw InputError(path + ": unsupported weights version " + std::to_string(h.major) + "." + std::to_string(h.minor) +
                     " (transposed or not a darknet .weights file)");

  const int cut = resolve_cutoff(net, cutoff);
  auto slots = slots_in_file(net, cut, true);
  size_t expected = header_bytes;
  for (const ParamSlot* s : slots) expected += s->block.count * sizeof(float);
  const bool all_layers = cut == int(net.num_layers());
  if (file_size < expected || (all_layers && file_size != expected)) {
    std::ostringstream m;
    m << path << ": " << (file_size < expected ? "truncated" : "oversized") << " weights file: the network's first "
      << cut << " layers need " << expected << " bytes (" << header_bytes << " header + "
      << (expected - header_bytes) / 4 << " floats), the file has " << file_size << " bytes";
    if (file_size > expected) m << " (" << file_size - expected << " bytes too many: a different cfg?)";
    throw InputError(m.str());
  }
  for (const ParamSlot* s : slots)
    f.read(reinterpret_cast<char*>(net.params() + s->offset), std::streamsize(s->block.count * sizeof(float)));
  if (!f) throw InputError(path + ": read error while loading weights");
  net.sync_to_device();
  return h;
}

void save_weights(const Network& net, const std::string& path, uint64_t seen, int cutoff) {
  net.sync_to_host();  // an accelerator holds the current values
  WeightsHeader h;
  h.seen = seen;
  std::string bytes;
  bytes.append(reinterpret_cast<const char*>(&h.major), 4);
  bytes.append(reinterpret_cast<const char*>(&h.minor), 4);
  bytes.append(reinterpret_cast<const char*>(&h.revision), 4);
  bytes.append(reinterpret_cast<const char*>(&h.seen), 8);
  for (const ParamSlot* s : slots_in_file(net, resolve_cutoff(net, cutoff), false))
    bytes.append(reinterpret_cast<const char*>(net.params() + s->offset), s->block.count * sizeof(float));
  write_file_atomically(path, bytes);
}

}  // namespace ds
