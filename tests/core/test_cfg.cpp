// cfg reader: darknet syntax, typed getters with defaults, errors naming file:line, overrides.
#include <gtest/gtest.h>

#include "core/cfg/cfg.h"
#include "core/nn/net_options.h"
#include "core/util/error.h"
#include "tests/support/error_of.h"

using namespace ds;
using ds::test::error_of;

namespace {


const char* kSmall =
    "# a comment\n"
    "[net]\n"
    "batch = 4\n"
    "subdivisions=2\n"
    "width=32\nheight=24\nchannels=3\n"
    "; another comment\n"
    "\n"
    "[conv]\n"
    "filters=8\n"
    "size=3\n"
    "activation=leaky\n"
    "[yolo]\n"
    "anchors = 10,13,  16,30\n"
    "mask=0,1\n";

}  // namespace

TEST(Cfg, ParsesSectionsAliasesAndStripsWhitespace) {
  Cfg cfg = parse_cfg_text(kSmall, "small.cfg");
  ASSERT_EQ(cfg.num_layers(), 2u);
  EXPECT_EQ(cfg.net().type, "net");
  EXPECT_EQ(cfg.layer(0).type, "convolutional");
  EXPECT_EQ(cfg.layer(0).line, 10);
  EXPECT_EQ(cfg.layer(1).layer_index, 1);
  EXPECT_EQ(cfg.layer(0).get_int("filters", 1), 8);
  EXPECT_EQ(cfg.layer(0).get_int("stride", 1), 1);  // default
  EXPECT_EQ(cfg.layer(1).get_int_list("anchors"), (std::vector<int>{10, 13, 16, 30}));
  NetOptions n = parse_net_options(cfg.net());
  EXPECT_EQ(n.batch, 4);
  EXPECT_EQ(n.mini_batch, 2);
  EXPECT_FLOAT_EQ(n.momentum, 0.9f);  // darknet default
  EXPECT_FLOAT_EQ(n.decay, 0.0001f);
}

TEST(Cfg, MalformedValuesNameFileLineAndKey) {
  Cfg cfg = parse_cfg_text(kSmall, "small.cfg");
  cfg.sections[1].options["size"].value = "3x";
  std::string e = error_of([&] { cfg.layer(0).get_int("size", 1); });
  EXPECT_NE(e.find("small.cfg:12"), std::string::npos) << e;
  EXPECT_NE(e.find("size"), std::string::npos) << e;
  EXPECT_NE(e.find("integer"), std::string::npos) << e;
}

TEST(Cfg, UnknownOptionListsValidOnes) {
  Cfg cfg = parse_cfg_text(std::string(kSmall) + "bogus=1\n", "small.cfg");
  const CfgSection& y = cfg.layer(1);
  y.get_int_list("anchors");
  y.get_int_list("mask");
  std::string e = error_of([&] { y.check_all_used(); });
  EXPECT_NE(e.find("small.cfg:17"), std::string::npos) << e;
  EXPECT_NE(e.find("bogus"), std::string::npos) << e;
  EXPECT_NE(e.find("anchors, mask"), std::string::npos) << e;
}

TEST(Cfg, ChoiceErrorsListChoices) {
  Cfg cfg = parse_cfg_text("[net]\nwidth=8\nheight=8\nchannels=3\npolicy=cosine\n[maxpool]\n", "p.cfg");
  std::string e = error_of([&] { parse_net_options(cfg.net()); });
  EXPECT_NE(e.find("p.cfg:5"), std::string::npos) << e;
  EXPECT_NE(e.find("sgdr"), std::string::npos) << e;
}

TEST(Cfg, SyntaxErrors) {
  EXPECT_NE(error_of([] { parse_cfg_text("[net]\nwidth\n[maxpool]\n", "a.cfg"); }).find("a.cfg:2"), std::string::npos);
  EXPECT_NE(error_of([] { parse_cfg_text("[maxpool]\n", "b.cfg"); }).find("first section"), std::string::npos);
  EXPECT_NE(error_of([] { parse_cfg_text("[net]\nwidth=1\nwidth=2\n[maxpool]\n", "c.cfg"); }).find("c.cfg:3"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_cfg_text("[net\n", "d.cfg"); }).find("d.cfg:1"), std::string::npos);
  EXPECT_NE(error_of([] { parse_cfg_text("[net]\nwidth=1\n", "e.cfg"); }).find("no layers"), std::string::npos);
  EXPECT_NE(error_of([] { parse_cfg_file("/nonexistent/x.cfg"); }).find("/nonexistent/x.cfg"), std::string::npos);
}

TEST(Cfg, NetValidation) {
  auto net_error = [](const std::string& body) {
    return error_of([&] { parse_net_options(parse_cfg_text("[net]\n" + body + "[maxpool]\n", "n.cfg").net()); });
  };
  EXPECT_NE(net_error("batch=10\nsubdivisions=3\nwidth=8\nheight=8\nchannels=3\n").find("divisible"),
            std::string::npos);
  EXPECT_NE(net_error("width=8\nheight=8\n").find("channels"), std::string::npos);
  EXPECT_NE(net_error("width=100000\nheight=100000\nchannels=3\n").find("absurd"), std::string::npos);
  EXPECT_NE(net_error("width=8\nheight=8\nchannels=3\npolicy=steps\nsteps=10,20\nscales=.1\n").find("same length"),
            std::string::npos);
}

TEST(Cfg, OverridesByIndexTypeAndNet) {
  Cfg cfg = parse_cfg_text(kSmall, "small.cfg");
  apply_overrides(cfg, {"net.batch=8", "0.filters=16", "yolo.scale_x_y=1.05", "convolutional.stride=2"});
  EXPECT_EQ(cfg.net().get_int("batch", 1), 8);
  EXPECT_EQ(cfg.layer(0).get_int("filters", 1), 16);
  EXPECT_EQ(cfg.layer(0).get_int("stride", 1), 2);
  EXPECT_FLOAT_EQ(cfg.layer(1).get_float("scale_x_y", 1), 1.05f);
  EXPECT_NE(error_of([&] { apply_override(cfg, "7.filters=3"); }).find("layer 7 does not exist"), std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(cfg, "route.layers=-1"); }).find("no [route]"), std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(cfg, "filters=3"); }).find("must look like"), std::string::npos);
  // An overridden value that is malformed says it came from an override.
  apply_override(cfg, "0.size=big");
  EXPECT_NE(error_of([&] { cfg.layer(0).get_int("size", 1); }).find("(override)"), std::string::npos);
}

// A section filter patches only the sections of that type whose key is written as the given value (CBN turns
// batch_normalize=1 into 2 and leaves the detection heads' convolutions without batch norm).
TEST(Cfg, OverrideSectionFilter) {
  Cfg cfg = parse_cfg_text("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nbatch_normalize=1\nfilters=4\n"
                           "[convolutional]\nfilters=4\n[convolutional]\nbatch_normalize=1\nfilters=4\n",
                           "f.cfg");
  apply_override(cfg, "convolutional[batch_normalize=1].batch_normalize=2");
  EXPECT_EQ(cfg.layer(0).get_int("batch_normalize", 0), 2);
  EXPECT_FALSE(cfg.layer(1).has("batch_normalize"));
  EXPECT_EQ(cfg.layer(2).get_int("batch_normalize", 0), 2);
  EXPECT_NE(error_of([&] { apply_override(cfg, "convolutional[batch_normalize=1].batch_normalize=2"); })
                .find("no [convolutional] section has batch_normalize=1"),
            std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(cfg, "convolutional[batch_normalize].x=2"); }).find("section filter"),
            std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(cfg, "0[filters=4].x=2"); }).find("section type"), std::string::npos);
}

TEST(Cfg, TextRoundTrip) {
  Cfg a = parse_cfg_text(kSmall, "small.cfg");
  Cfg b = parse_cfg_text(to_cfg_text(a), "again.cfg");
  ASSERT_EQ(a.sections.size(), b.sections.size());
  for (size_t i = 0; i < a.sections.size(); ++i) {
    EXPECT_EQ(a.sections[i].type, b.sections[i].type);
    ASSERT_EQ(a.sections[i].options.size(), b.sections[i].options.size());
    for (const auto& [k, o] : a.sections[i].options) EXPECT_EQ(b.sections[i].options.at(k).value, o.value);
  }
}
