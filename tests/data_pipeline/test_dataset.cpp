// Tests of the data-set readers: darknet lists with .txt labels and COCO instances JSON, every bad-label kind
// as an InputError naming its file:line (or JSON path), and the skip policy.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/data/dataset.h"
#include "core/util/error.h"
#include "tests/support/error_of.h"

namespace fs = std::filesystem;
using ds::test::error_of;
using ds::BadLabelPolicy;
using ds::Dataset;
using ds::InputError;

namespace {

// A fresh folder per test, removed afterwards.
class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("ds_dataset_" + std::string(info->name()) + "_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& relative, const std::string& text) {
    fs::path p = dir_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  // A list of one image "a.png" (an empty file: readers check existence only) with the given label text.
  std::string one_image_list(const std::string& label) {
    write("a.png", "");
    write("a.txt", label);
    return write("list.txt", "a.png\n");
  }
  fs::path dir_;
};


bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(DatasetTest, ReadsDarknetListWithLabelsBesideImages) {
  write("img/a.png", "");
  write("img/a.txt", "0 0.5 0.5 0.2 0.4\n\n1 0.25 0.75 0.1 0.1\r\n");
  write("img/b.jpg", "");  // no label file: an image without objects
  const std::string abs = write("c.png", "");
  write("c.txt", "2 1 1 1 1\n");
  write("classes.names", "disc\nsquare\ntriangle\n");
  const std::string list = write("list.txt", "img/a.png\r\n\n  img/b.jpg  \n" + abs + "\n");
  Dataset d = ds::read_darknet_list(list, 3);
  ASSERT_EQ(d.images.size(), 3u);
  EXPECT_EQ(d.images[0], (dir_ / "img/a.png").string());
  EXPECT_EQ(d.images[2], abs);
  ASSERT_EQ(d.labels[0].size(), 2u);
  EXPECT_EQ(d.labels[0][1].cls, 1);
  EXPECT_FLOAT_EQ(d.labels[0][0].x, 0.5f);
  EXPECT_FLOAT_EQ(d.labels[0][0].h, 0.4f);
  EXPECT_TRUE(d.labels[1].empty());
  EXPECT_EQ(d.labels[2].size(), 1u);
  EXPECT_EQ(d.image_ids, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(d.category_ids, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"disc", "square", "triangle"}));
  EXPECT_EQ(d.classes, 3);
  EXPECT_EQ(d.skipped, 0);
  EXPECT_EQ(d.source, list);
}

TEST_F(DatasetTest, FindsLabelsInDarknetLabelsFolder) {
  write("data/images/x.png", "");
  write("data/labels/x.txt", "0 0.5 0.5 0.5 0.5\n");
  Dataset d = ds::read_darknet_list(write("data/list.txt", "images/x.png\n"), 1);
  ASSERT_EQ(d.labels.size(), 1u);
  EXPECT_EQ(d.labels[0].size(), 1u);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0"}));  // no names file
}

TEST_F(DatasetTest, ClassesZeroMeansLargestClassPlusOne) {
  Dataset d = ds::read_darknet_list(one_image_list("4 0.5 0.5 0.1 0.1\n"), 0);
  EXPECT_EQ(d.classes, 5);
}

// Without a class count, a corrupt class id is an error rather than a class list of that size (the fuzzer's
// "777777777 0.55 0. 0.2 0.3" asked for 2 GiB; tests/fuzz/regressions/labels).
TEST_F(DatasetTest, ClassesZeroStillBoundsTheClassId) {
  const std::string line = std::to_string(ds::kMaxClasses) + " 0.5 0.5 0.1 0.1\n";
  const std::string e = error_of([&] { ds::read_darknet_list(one_image_list(line), 0); });
  EXPECT_TRUE(contains(e, (dir_ / "a.txt").string() + ":1: ")) << e;
  EXPECT_TRUE(contains(e, "out of range; valid: 0..99999 (at most 100000 classes)")) << e;
  Dataset d = ds::read_darknet_list(one_image_list(std::to_string(ds::kMaxClasses - 1) + " 0.5 0.5 0.1 0.1\n"), 0);
  EXPECT_EQ(d.classes, ds::kMaxClasses);
}

TEST_F(DatasetTest, EveryBadLabelKindNamesFileAndLine) {
  const std::string good = "0 0.5 0.5 0.2 0.2\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"3 0.5 0.5 0.2 0.2", "out of range"},      // class >= classes
      {"-1 0.5 0.5 0.2 0.2", "out of range"},     // negative class
      {"0 1.5 0.5 0.2 0.2", "outside [0, 1]"},    // coordinate > 1
      {"0 0.5 -0.1 0.2 0.2", "outside [0, 1]"},   // coordinate < 0
      {"0 0.5 0.5 0 0.2", "must be > 0"},         // zero width
      {"0 0.5 0.5 0.2", "expected 5 fields"},     // too few fields
      {"0 0.5 0.5 0.2 0.2 7", "expected 5 fields"},
      {"0 0.5 abc 0.2 0.2", "not a number"},      // non-number
      {"0 0.5 0.5 0.2 nan", "not a number"},
      {"x 0.5 0.5 0.2 0.2", "not an integer"},
      {"1.5 0.5 0.5 0.2 0.2", "not an integer"},
  };
  for (const auto& [line, reason] : cases) {
    const std::string list = one_image_list(good + line + "\n");
    const std::string e = error_of([&] { ds::read_darknet_list(list, 3); });
    EXPECT_TRUE(contains(e, (dir_ / "a.txt").string() + ":2: ")) << line << " -> " << e;
    EXPECT_TRUE(contains(e, reason)) << line << " -> " << e;
  }
}

TEST_F(DatasetTest, MissingImageNamesListLine) {
  write("a.png", "");
  const std::string list = write("list.txt", "a.png\nmissing.png\n");
  const std::string e = error_of([&] { ds::read_darknet_list(list, 1); });
  EXPECT_TRUE(contains(e, list + ":2: image not found")) << e;
  EXPECT_TRUE(contains(error_of([&] { ds::read_darknet_list((dir_ / "nope.txt").string(), 1); }), "nope.txt: cannot open"));
}

TEST_F(DatasetTest, SkipPolicyDropsAndCountsBadLinesAndImages) {
  write("a.png", "");
  write("a.txt", "0 0.5 0.5 0.2 0.2\n9 0.5 0.5 0.2 0.2\n0 0.5 0.5 -1 0.2\n1 0.1 0.1 0.1 0.1\n");
  write("b.png", "");
  const std::string list = write("list.txt", "a.png\nmissing.png\nb.png\n");
  Dataset d = ds::read_darknet_list(list, 2, BadLabelPolicy::skip);
  ASSERT_EQ(d.images.size(), 2u);
  EXPECT_EQ(d.labels[0].size(), 2u);
  EXPECT_EQ(d.skipped, 3);  // two bad lines, one missing image
  EXPECT_EQ(d.image_ids, (std::vector<int>{1, 2}));
}

// A small COCO file: categories out of order with gaps, one crowd box, one image without annotations.
const char* kCoco = R"({
  "images": [{"id": 7, "file_name": "a.png", "width": 200, "height": 100},
             {"id": 9, "file_name": "b.png", "width": 50, "height": 50}],
  "annotations": [
    {"id": 1, "image_id": 7, "category_id": 18, "bbox": [10, 20, 40, 30], "area": 1200, "iscrowd": 0},
    {"id": 2, "image_id": 7, "category_id": 3, "bbox": [0, 0, 200, 100], "area": 20000, "iscrowd": 1},
    {"id": 3, "image_id": 7, "category_id": 3, "bbox": [190, 90, 20, 20], "area": 400}
  ],
  "categories": [{"id": 18, "name": "dog"}, {"id": 3, "name": "car"}]
})";

TEST_F(DatasetTest, ReadsCocoInstances) {
  write("img/a.png", "");
  write("img/b.png", "");
  Dataset d = ds::read_coco(write("instances.json", kCoco), (dir_ / "img").string());
  ASSERT_EQ(d.images.size(), 2u);
  EXPECT_EQ(d.images[1], (dir_ / "img/b.png").string());
  EXPECT_EQ(d.image_ids, (std::vector<int>{7, 9}));
  EXPECT_EQ(d.category_ids, (std::vector<int>{3, 18}));  // sorted ids -> contiguous classes
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"car", "dog"}));
  EXPECT_EQ(d.classes, 2);
  ASSERT_EQ(d.labels[0].size(), 2u);  // the crowd box is left out
  const ds::TruthBox& dog = d.labels[0][0];
  EXPECT_EQ(dog.cls, 1);
  EXPECT_FLOAT_EQ(dog.x, 30.f / 200);
  EXPECT_FLOAT_EQ(dog.y, 35.f / 100);
  EXPECT_FLOAT_EQ(dog.w, 40.f / 200);
  EXPECT_FLOAT_EQ(dog.h, 30.f / 100);
  const ds::TruthBox& car = d.labels[0][1];  // clipped to the image: [190, 200] x [90, 100]
  EXPECT_EQ(car.cls, 0);
  EXPECT_FLOAT_EQ(car.x, 195.f / 200);
  EXPECT_FLOAT_EQ(car.w, 10.f / 200);
  EXPECT_TRUE(d.labels[1].empty());
}

TEST_F(DatasetTest, CocoErrorsNameTheJsonPath) {
  write("img/a.png", "");
  const std::string img = (dir_ / "img").string();
  auto coco_error = [&](const std::string& text) {
    const std::string path = write("instances.json", text);
    return error_of([&] { ds::read_coco(path, img); });
  };
  const std::string cats = R"("categories": [{"id": 1, "name": "a"}])";
  const std::string image = R"("images": [{"id": 1, "file_name": "a.png", "width": 10, "height": 10}])";
  auto with_annotation = [&](const std::string& a) {
    return "{" + image + ", " + cats + R"(, "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]}, )" +
           a + "]}";
  };
  const std::string json = (dir_ / "instances.json").string();
  EXPECT_TRUE(contains(coco_error(with_annotation(R"({"image_id": 1, "category_id": 1, "bbox": [1, 2, 3]})")),
                       json + ": annotations[1].bbox: expected [x, y, w, h]"));
  EXPECT_TRUE(contains(coco_error(with_annotation(R"({"image_id": 1, "category_id": 1, "bbox": [1, 2, 0, 3]})")),
                       "annotations[1].bbox: w and h must be > 0"));
  EXPECT_TRUE(contains(coco_error(with_annotation(R"({"image_id": 1, "category_id": 1, "bbox": [20, 20, 3, 3]})")),
                       "annotations[1].bbox: box [20,20,3,3] lies outside the image"));
  EXPECT_TRUE(contains(coco_error(with_annotation(R"({"image_id": 5, "category_id": 1, "bbox": [1, 2, 3, 3]})")),
                       "annotations[1].image_id: no image with id 5"));
  EXPECT_TRUE(contains(coco_error(with_annotation(R"({"image_id": 1, "category_id": 4, "bbox": [1, 2, 3, 3]})")),
                       "annotations[1].category_id: no category with id 4"));
  EXPECT_TRUE(contains(coco_error("{" + image + R"(, "categories": [{"id": 4.4e52}], "annotations": []})"),
                       "categories[0].id: expected an integer, got 4.4e+52"));  // beyond int64: no cast
  EXPECT_TRUE(contains(coco_error(with_annotation(R"({"image_id": 1, "category_id": 1})")), "annotations[1].bbox: missing"));
  EXPECT_TRUE(contains(coco_error("{" + cats + R"(, "annotations": []})"), json + ": images: missing"));
  EXPECT_TRUE(contains(coco_error("{" + cats + R"(, "annotations": [], "images": [{"id": 1, "file_name": "zz.png", "width": 3, "height": 3}]})"),
                       "images[0].file_name: " + img + "/zz.png: image not found"));
  EXPECT_TRUE(contains(coco_error("{" + cats + R"(, "annotations": [], "images": [{"id": 1, "file_name": "a.png", "width": 0, "height": 3}]})"),
                       "images[0]: width and height must be > 0"));
  EXPECT_TRUE(contains(coco_error(R"({"images": [)"), json + ": not valid JSON"));
  EXPECT_TRUE(contains(coco_error("[]"), json + ": expected a COCO instances object"));
}

TEST_F(DatasetTest, CocoSkipPolicyCountsBadEntries) {
  write("img/a.png", "");
  const std::string text = R"({
    "images": [{"id": 1, "file_name": "a.png", "width": 10, "height": 10},
               {"id": 2, "file_name": "gone.png", "width": 10, "height": 10}],
    "annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]},
                    {"image_id": 1, "category_id": 1, "bbox": [1, 1, -2, 2]},
                    {"image_id": 2, "category_id": 1, "bbox": [1, 1, 2, 2]},
                    {"image_id": 1, "category_id": 8, "bbox": [1, 1, 2, 2]}],
    "categories": [{"id": 1, "name": "a"}]})";
  Dataset d = ds::read_coco(write("instances.json", text), (dir_ / "img").string(), BadLabelPolicy::skip);
  ASSERT_EQ(d.images.size(), 1u);
  EXPECT_EQ(d.labels[0].size(), 1u);
  EXPECT_EQ(d.skipped, 3);  // the missing image, the bad bbox, the unknown category (gone.png's box goes with it)
}

}  // namespace
