// `sweep`: the one command line of darksweep. Dispatches to a subcommand and maps errors to exit codes
// (InputError -> 2, anything else -> 1).
#include <cstdio>
#include <exception>
#include <map>

#include "core/util/error.h"
#include "sweep/cli/commands.h"

namespace {

struct Command {
  int (*run)(const ds::Argv&);
  const char* help;
};

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> table = {
      {"run", {ds::cmd_run, "run SPEC.json [--slots N] [--device cpu|cuda] [--db PATH]: run a sweep"}},
      {"status", {ds::cmd_status, "status [--db PATH] [--sweep NAME]: runs and attempts of a sweep"}},
      {"cancel", {ds::cmd_cancel, "cancel [--db PATH] [--sweep NAME] [RUN...]: cancel pending runs"}},
      {"retry", {ds::cmd_retry, "retry RUN [--db PATH]: put a failed run back to pending"}},
      {"reproduce", {ds::cmd_reproduce, "reproduce RUN [--db PATH]: re-train a stored run and compare"}},
      {"train", {ds::cmd_train, "train --run RUN.json --out DIR [--data-parallel]: train one resolved run (under mpirun -np K with --data-parallel: K processes share each batch)"}},
      {"inspect", {ds::cmd_inspect, "inspect --cfg NET.cfg [--weights W] --input X.npy --layers 5,30 --out DIR"}},
      {"bench", {ds::cmd_bench, "bench --cfg NET.cfg [--size S] [--batch B] [--iters N]: throughput JSON"}},
      {"bench-data", {ds::cmd_bench_data, "bench-data --cfg NET.cfg --data LIST [--size S] [--batch B] [--threads T] [net.key=value ...]: data pipeline images/s JSON"}},
      {"detect", {ds::cmd_detect, "detect --cfg NET.cfg --weights W --list IMAGES.txt --out RESULTS.json"}},
      {"data", {ds::cmd_data, "data synth|preview ...: make a synthetic data set; preview augmented samples"}},
      {"anchors", {ds::cmd_anchors, "anchors --data LIST --num 9 --size 512: k-means anchors and their mean IoU"}},
      {"eval", {ds::cmd_eval, "eval --gt GT.json --dt DT.json [--json OUT]: COCO bbox metrics"}},
      {"report", {ds::cmd_report, "report TABLE [--db PATH] [--sweep NAME] [--format md|tex|csv|html] [--out FILE]"}},
  };
  return table;
}

void usage() {
  std::fprintf(stderr, "usage: sweep COMMAND [ARGS]\n\ncommands:\n");
  for (const auto& [name, c] : commands()) std::fprintf(stderr, "  %s\n", c.help);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    usage();
    return argc < 2 ? ds::kExitBadInput : ds::kExitOk;
  }
  auto it = commands().find(argv[1]);
  if (it == commands().end()) {
    std::fprintf(stderr, "sweep: unknown command '%s'\n", argv[1]);
    usage();
    return ds::kExitBadInput;
  }
  ds::Argv args(argv + 2, argv + argc);
  try {
    return it->second.run(args);
  } catch (const ds::InputError& e) {
    std::fprintf(stderr, "sweep %s: error: %s\n", argv[1], e.what());
    return ds::kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sweep %s: failed: %s\n", argv[1], e.what());
    return ds::kExitRunFailed;
  }
}
