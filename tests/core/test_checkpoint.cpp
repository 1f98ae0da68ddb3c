// Checkpoints resume bit-identically: 3 + 3 iterations with a checkpoint in between equal 6 straight.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "core/nn/checkpoint.h"
#include "core/nn/sgd.h"
#include "core/util/error.h"

using namespace ds;

namespace {

const std::string kEveryLayer = std::string(DS_SOURCE_DIR) + "/tests/data/every_layer.cfg";

// A stand-in loss (pull the last layer's output towards 0.3) so the test needs no detection loss;
// dropout makes the run depend on the RNG, which the checkpoint must restore.
void train(Network& net, Rng& rng, TrainState& st, int iterations) {
  const NetOptions& n = net.options();
  std::vector<float> x(size_t(net.mini_batch()) * net.input_shape().size());
  for (int it = 0; it < iterations; ++it) {
    for (int sub = 0; sub < n.subdivisions; ++sub) {
      for (auto& v : x) v = rng.uniform();
      net.forward(x.data(), true, &rng, int(st.iteration), nullptr, 0.01f, sub);
      Tensor out = net.output(net.num_layers() - 1), d = net.delta(net.num_layers() - 1);
      for (size_t i = 0; i < d.size(); ++i) d.data[i] = 0.3f - out.data[i];
      net.backward(x.data());
      st.seen += uint64_t(net.mini_batch());
    }
    sgd_step(net, learning_rate_at(n, int(st.iteration)));
    st.iteration++;
  }
}

// 3 + 3 iterations with a checkpoint in between equal 6 straight; returns the final parameters.
std::vector<float> expect_resume_bit_identical(const Cfg& cfg) {
  Network straight(cfg);
  Rng init(11);
  straight.init_params(init);
  std::vector<float> initial(straight.params(), straight.params() + straight.num_params());

  Rng rng_a(5);
  TrainState sa;
  train(straight, rng_a, sa, 6);

  Network first(cfg);
  std::memcpy(first.params(), initial.data(), initial.size() * sizeof(float));
  Rng rng_b(5);
  TrainState sb;
  train(first, rng_b, sb, 3);
  sb.rng["train"] = rng_b.state();
  sb.extra["loader_position"] = 42;
  // One file per test and process: ctest runs the tests that share this helper at the same time.
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("ds_ckpt_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                             "_" + std::to_string(getpid()) + ".ckpt"))
                               .string();
  save_checkpoint(path, first, sb);

  Network resumed(cfg);  // fresh parameters: everything must come from the checkpoint
  TrainState sc = load_checkpoint(path, resumed);
  EXPECT_EQ(sc.iteration, 3);
  EXPECT_EQ(sc.seen, sb.seen);
  EXPECT_EQ(sc.extra["loader_position"], 42);
  Rng rng_c;
  rng_c.set_state(sc.rng.at("train"));
  train(resumed, rng_c, sc, 3);

  EXPECT_EQ(straight.num_params(), resumed.num_params());
  EXPECT_EQ(0, std::memcmp(straight.params(), resumed.params(), straight.num_params() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(straight.grads(), resumed.grads(), straight.num_params() * sizeof(float)));
  EXPECT_NE(0, std::memcmp(straight.params(), initial.data(), initial.size() * sizeof(float)));  // it did train
  std::filesystem::remove(path);
  return std::vector<float>(straight.params(), straight.params() + straight.num_params());
}

}  // namespace

TEST(Checkpoint, ResumeIsBitIdentical) { expect_resume_bit_identical(parse_cfg_file(kEveryLayer)); }

// CmBN's accumulators live between the mini-batches of one batch only, so a checkpoint (between batches)
// needs no more state; with subdivisions=2 CmBN trains differently from plain batch norm.
TEST(Checkpoint, ResumeIsBitIdenticalWithCmbn) {
  Cfg cfg = parse_cfg_file(kEveryLayer);
  ASSERT_EQ(cfg.net().get_int("subdivisions", 1), 2);
  const std::vector<float> plain = expect_resume_bit_identical(cfg);
  apply_override(cfg, "convolutional[batch_normalize=1].batch_normalize=2");
  const std::vector<float> cmbn = expect_resume_bit_identical(cfg);
  ASSERT_EQ(plain.size(), cmbn.size());
  EXPECT_NE(plain, cmbn);
}

TEST(Checkpoint, CorruptOrForeignFilesAreErrors) {
  Cfg cfg = parse_cfg_file(kEveryLayer);
  Network net(cfg);
  const std::string path = (std::filesystem::temp_directory_path() / "ds_ckpt_bad.ckpt").string();
  save_checkpoint(path, net, TrainState{});
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 1);
  EXPECT_THROW(load_checkpoint(path, net), InputError);

  Cfg other = parse_cfg_text("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=2\nsize=1\n", "o.cfg");
  Network small(other);
  save_checkpoint(path, small, TrainState{});
  try {
    load_checkpoint(path, net);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("another cfg"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}
