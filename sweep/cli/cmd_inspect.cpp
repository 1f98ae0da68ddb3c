// `sweep inspect`: runs a cfg forward in inference mode on an .npy input and dumps chosen layers'
// outputs as .npy, so that darksweep's numbers can be compared with darknet's from outside.
#include <cstdio>
#include <filesystem>

#include "core/nn/network.h"
#include "core/nn/weights_io.h"
#include "core/util/error.h"
#include "core/util/npy.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {

int cmd_inspect(const Argv& argv) {
  Args args("inspect", argv, {"cfg", "weights", "input", "layers", "out", "save-weights", "seed"});
  const std::string cfg_path = args.require("cfg");
  Cfg cfg = parse_cfg_file(cfg_path);
  const std::string input_path = args.require("input");
  NpyArray x = read_npy(input_path);
  const NetOptions probe = parse_net_options(cfg.net());
  if (x.shape.size() != 4 || int(x.shape[1]) != probe.channels || int(x.shape[2]) != probe.height ||
      int(x.shape[3]) != probe.width)
    throw InputError(input_path + ": expected a float32 NCHW array of shape (N, " + std::to_string(probe.channels) +
                     ", " + std::to_string(probe.height) + ", " + std::to_string(probe.width) + ") for " + cfg_path);

  Network net(cfg, int(x.shape[0]));
  if (args.has("weights")) {
    load_weights(net, args.get("weights", ""));
  } else {
    Rng rng(uint64_t(args.get_int("seed", 0)));
    net.init_params(rng);
  }
  if (args.has("save-weights")) save_weights(net, args.get("save-weights", ""));

  std::vector<int> layers = args.get_int_list("layers");
  if (layers.empty())
    for (size_t i = 0; i < net.num_layers(); ++i) layers.push_back(int(i));
  for (int i : layers)
    if (i < 0 || size_t(i) >= net.num_layers())
      throw InputError("sweep inspect: --layers " + std::to_string(i) + " is not a layer of " + cfg_path + " (0.." +
                       std::to_string(net.num_layers() - 1) + ")");

  net.forward(x.data.data(), /*train=*/false);
  const std::string out = args.require("out");
  std::filesystem::create_directories(out);
  for (int i : layers) {
    Tensor t = net.output(size_t(i));
    char name[32];
    std::snprintf(name, sizeof name, "/layer_%03d.npy", i);
    write_npy(out + name, {size_t(t.shape.n), size_t(t.shape.c), size_t(t.shape.h), size_t(t.shape.w)}, t.data);
  }
  std::printf("wrote %zu layer outputs to %s\n", layers.size(), out.c_str());
  return kExitOk;
}

}  // namespace ds
