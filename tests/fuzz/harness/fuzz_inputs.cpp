// Fuzz harness functions: each writes the bytes where its reader expects a file (a private scratch
// folder) and lets only InputError through as a rejection.
#include "fuzz_inputs.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "core/cfg/cfg.h"
#include "core/data/dataset.h"
#include "core/eval/coco_json.h"
#include "core/nn/network.h"
#include "core/nn/weights_io.h"
#include "core/util/error.h"
#include "sweep/plan.h"
#include "sweep/spec.h"

namespace ds::fuzz {
namespace {

// A scratch folder per process, made once.
const std::string& scratch() {
  static const std::string dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/ds_fuzz_XXXXXX";
    if (!::mkdtemp(tmpl.data())) std::abort();
    // Networks the fuzzer builds stay small: a cfg that asks for more is rejected, not allocated.
    network_memory_limit_bytes() = size_t(256) << 20;
    return tmpl;
  }();
  return dir;
}

std::string write_scratch(const std::string& name, std::string_view bytes) {
  std::string path = scratch() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

template <class F>
void rejecting_input_errors(F&& f) {
  try {
    f();
  } catch (const InputError&) {
    // a clear rejection: what a reader should do with bad input
  }
}

// Biases, batch-norm scales and statistics, conv weights (groups too) and shortcut weights.
const char* kWeightsCfg = R"cfg([net]
batch=1
width=8
height=8
channels=3
[convolutional]
batch_normalize=1
filters=4
size=3
stride=1
pad=1
activation=leaky
[convolutional]
filters=4
size=1
groups=2
activation=linear
[shortcut]
from=-2
weights_type=per_channel
activation=linear
)cfg";

}  // namespace

void cfg_text(std::string_view bytes) {
  scratch();
  rejecting_input_errors([&] {
    Cfg cfg = parse_cfg_text(std::string(bytes), "fuzz.cfg");
    Network net(cfg, 1);
  });
}

void spec_text(std::string_view bytes) {
  static const std::string cfg_path = write_scratch("tiny.cfg", "[net]\nwidth=32\nheight=32\nchannels=3\n"
                                                                "[convolutional]\nfilters=8\nsize=3\nactivation=leaky\n"
                                                                "[yolo]\nmask=0\nanchors=10,13\nclasses=1\nnum=1\n");
  rejecting_input_errors([&] {
    Spec spec = parse_spec(std::string(bytes), scratch() + "/spec.json");
    expand_spec(spec, "");
  });
}

void weights_file(std::string_view bytes) {
  static std::unique_ptr<Network> net = [] {
    scratch();
    return std::make_unique<Network>(parse_cfg_text(kWeightsCfg, "weights-fuzz.cfg"), 1);
  }();
  std::string path = write_scratch("fuzz.weights", bytes);
  rejecting_input_errors([&] { load_weights(*net, path); });
  rejecting_input_errors([&] { load_weights(*net, path, 1); });  // darknet's partial: the first layer only
}

void label_file(std::string_view bytes) {
  static const std::string list = [] {
    write_scratch("image.jpg", "");  // the list reader only checks that the image exists
    return write_scratch("list.txt", "image.jpg\n");
  }();
  write_scratch("image.txt", bytes);
  rejecting_input_errors([&] { read_darknet_list(list, 4, BadLabelPolicy::error); });
  rejecting_input_errors([&] { read_darknet_list(list, 0, BadLabelPolicy::skip); });
}

void coco_annotations(std::string_view bytes) {
  std::string path = write_scratch("instances.json", bytes);
  rejecting_input_errors([&] { read_coco_instances(path); });
  rejecting_input_errors([&] { read_coco(path, scratch(), BadLabelPolicy::skip); });
}

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {{"cfg", cfg_text},
                                          {"spec", spec_text},
                                          {"weights", weights_file},
                                          {"labels", label_file},
                                          {"coco", coco_annotations}};
  return all;
}

}  // namespace ds::fuzz
