// The readers of user input, each as one function over arbitrary bytes, shared by the libFuzzer targets
// (tests/fuzz/targets) and by the ctest suite that replays the corpus and every crash found
// (tests/fuzz/test_fuzz_corpus.cpp). A function returns normally when the reader accepted the input or
// rejected it with an InputError; anything else (another exception, a crash, a sanitizer report, an
// allocation beyond the limits) is a bug.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace ds::fuzz {

void cfg_text(std::string_view bytes);         // parse_cfg_text, then build the Network (mini-batch 1)
void spec_text(std::string_view bytes);        // parse_spec + expand_spec (a tiny.cfg sits beside the spec)
void weights_file(std::string_view bytes);     // load_weights into a small network with every parameter kind
void label_file(std::string_view bytes);       // read_darknet_list with these bytes as the image's labels
void coco_annotations(std::string_view bytes); // read_coco_instances (eval) and read_coco (training)

struct Target {
  const char* name;  // the corpus folder: tests/fuzz/corpus/NAME, tests/fuzz/regressions/NAME
  void (*run)(std::string_view);
};
const std::vector<Target>& targets();

}  // namespace ds::fuzz
