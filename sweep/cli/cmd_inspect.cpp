// `sweep inspect`: runs a cfg forward in inference mode on an .npy input and dumps chosen layers'
// outputs as .npy, so that darksweep's numbers can be compared with darknet's from outside.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/nn/network.h"
#include "core/nn/weights_io.h"
#include "core/util/error.h"
#include "core/util/npy.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {
namespace {

// Label lines "image_index class cx cy w h" (normalised), as the darknet golden fixture's labels.txt.
std::vector<std::vector<TruthBox>> read_indexed_labels(const std::string& path, int batch) {
  std::ifstream f(path);
  if (!f) throw InputError(path + ": cannot open labels");
  std::vector<std::vector<TruthBox>> truths(static_cast<size_t>(batch));
  std::string line;
  for (int no = 1; std::getline(f, line); ++no) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream is(line);
    int image = 0;
    TruthBox t;
    std::string rest;
    if (!(is >> image >> t.cls >> t.x >> t.y >> t.w >> t.h) || (is >> rest))
      throw InputError(at_location(path, no, "expected 'image_index class cx cy w h', got '" + line + "'"));
    if (image < 0 || image >= batch)
      throw InputError(at_location(path, no, "image index " + std::to_string(image) + " is outside the input's batch 0.." +
                                                 std::to_string(batch - 1)));
    if (t.x < 0 || t.x > 1 || t.y < 0 || t.y > 1 || t.w <= 0 || t.w > 1 || t.h <= 0 || t.h > 1)
      throw InputError(at_location(path, no, "box coordinates must be normalised to (0, 1]"));
    truths[size_t(image)].push_back(t);
  }
  return truths;
}

}  // namespace

int cmd_inspect(const Argv& argv) {
  Args args("inspect", argv, {"cfg", "weights", "input", "layers", "out", "save-weights", "seed", "labels"},
            {"deltas", "train-bn"});
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

  // --deltas: each [yolo] layer's delta for the truths of --labels (darknet label lines with an image index
  // first: "image class cx cy w h"), with batch norm on rolling statistics, or on the batch's with --train-bn.
  const bool deltas = args.has("deltas");
  if (deltas && !args.has("labels")) throw InputError("sweep inspect: --deltas needs --labels L.txt");
  std::vector<std::vector<TruthBox>> truths;
  if (deltas) truths = read_indexed_labels(args.get("labels", ""), int(x.shape[0]));
  Rng rng(0);
  net.forward(x.data.data(), args.has("train-bn"), &rng, 0, deltas ? &truths : nullptr);
  const std::string out = args.require("out");
  std::filesystem::create_directories(out);
  for (int i : layers) {
    Tensor t = net.output(size_t(i));
    char name[32];
    std::snprintf(name, sizeof name, "/layer_%03d.npy", i);
    write_npy(out + name, {size_t(t.shape.n), size_t(t.shape.c), size_t(t.shape.h), size_t(t.shape.w)}, t.data);
  }
  size_t written = 0;
  for (size_t i = 0; deltas && i < net.num_layers(); ++i) {
    if (net.layer(i).type() != "yolo" && net.layer(i).type() != "Gaussian_yolo") continue;
    Tensor d = net.delta(i);
    char name[32];
    std::snprintf(name, sizeof name, "/delta_%03zu.npy", i);
    write_npy(out + name, {size_t(d.shape.n), size_t(d.shape.c), size_t(d.shape.h), size_t(d.shape.w)}, d.data);
    written++;
  }
  std::printf("wrote %zu layer outputs and %zu [yolo] deltas to %s\n", layers.size(), written, out.c_str());
  return kExitOk;
}

}  // namespace ds
