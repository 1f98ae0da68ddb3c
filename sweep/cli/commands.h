// The `sweep` subcommands: each takes its arguments (after the subcommand name) and returns an exit code.
#pragma once
#include <string>
#include <vector>

namespace ds {

using Argv = std::vector<std::string>;

int cmd_inspect(const Argv& args);    // core: run a cfg forward, dump layer outputs (.npy)
int cmd_bench(const Argv& args);      // core: forward+backward throughput as JSON
int cmd_bench_data(const Argv& args); // core: the data pipeline's images/s as JSON
int cmd_eval(const Argv& args);       // COCO evaluation of a results JSON against instances JSON
int cmd_run(const Argv& args);        // run a sweep spec
int cmd_status(const Argv& args);     // show a sweep's runs and attempts
int cmd_cancel(const Argv& args);
int cmd_retry(const Argv& args);
int cmd_reproduce(const Argv& args);
int cmd_train(const Argv& args);      // train one resolved run (what the scheduler's children run)
int cmd_detect(const Argv& args);     // COCO results JSON for a list of images
int cmd_data(const Argv& args);       // data synth | data preview
int cmd_data_synth(const Argv& args); // write a synthetic detection/classification data set
int cmd_data_preview(const Argv& args);  // PNG grid of augmented samples with boxes
int cmd_anchors(const Argv& args);    // k-means anchors (darknet calc_anchors)
int cmd_report(const Argv& args);     // a paper table regenerated from the store, beside the paper's numbers

}  // namespace ds
