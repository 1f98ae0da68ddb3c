// The Loader and load_training_sample (loader.h): darknet's load_data_detection per image on worker threads,
// with every sample's randomness drawn from a seed of (loader seed, sample number) so that batches do not
// depend on the thread count, and an epoch-wise shuffled order that position()/seek() can restore.
#include "core/data/loader.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "core/data/augment.h"
#include "core/data/mosaic.h"
#include "core/util/error.h"

namespace ds {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Independent streams for the sample randomness and the epoch order.
uint64_t sample_seed(uint64_t seed, uint64_t sample) { return splitmix64(splitmix64(seed) ^ splitmix64(~sample)); }
uint64_t epoch_seed(uint64_t seed, uint64_t epoch) {
  return splitmix64(splitmix64(seed ^ 0x5DEECE66DULL) ^ splitmix64(epoch));
}

// A data set path as given, else relative to the list it came from.
std::string resolve_image_path(const Dataset& data, const std::string& path) {
  namespace fs = std::filesystem;
  if (data.source.empty() || fs::path(path).is_absolute() || fs::exists(path)) return path;
  const fs::path beside = fs::path(data.source).parent_path() / path;
  return fs::exists(beside) ? beside.string() : path;
}

SourceImage read_source(const Dataset& data, size_t index) {
  if (index >= data.images.size())
    throw InputError("data set " + data.source + ": image index " + std::to_string(index) + " out of range (" +
                     std::to_string(data.images.size()) + " images)");
  SourceImage s;
  s.image = load_image(resolve_image_path(data, data.images[index]));
  if (index < data.labels.size()) s.labels = data.labels[index];
  return s;
}

size_t random_index(Rng& rng, const Dataset& data) { return size_t(rng.uniform_int(0, int(data.images.size()) - 1)); }

// Mosaic: the sample's own image in a random tile, three random images of the data set in the others
// (darknet draws all four at random).
Sample load_mosaic(const Dataset& data, SourceImage primary, const AugmentOptions& o, int w, int h, Rng& rng) {
  const int own_tile = rng.uniform_int(0, 3);
  std::array<SourceImage, 4> tiles;
  for (int t = 0; t < 4; ++t)
    tiles[size_t(t)] = t == own_tile ? std::move(primary) : read_source(data, random_index(rng, data));
  return make_mosaic({&tiles[0], &tiles[1], &tiles[2], &tiles[3]}, o, w, h, rng);
}

}  // namespace

Sample load_training_sample(const Dataset& data, size_t index, const AugmentOptions& o, int w, int h,
                            uint64_t seed) {
  Rng rng(seed);
  SourceImage primary = read_source(data, index);
  if (!o.train) return resize_for_validation(primary, o.letter_box, w, h);
  // load_data_detection: "if (random_gen() % 2 == 0) use_mixup = 0" — mosaic (or mixup) on half of the
  // loads; with mosaic=1 darknet ignores mixup (net->mixup becomes 3).
  const bool combine = (o.mosaic || o.mixup) && rng.uniform_int(0, 1) == 1;
  if (combine && o.mosaic) return load_mosaic(data, std::move(primary), o, w, h, rng);
  if (combine && o.mixup) {
    const SourceImage other = read_source(data, random_index(rng, data));
    return augment_mixup(primary, other, o, w, h, rng);
  }
  return augment_single(primary, o, w, h, rng);
}

// ---------------------------------------------------------------------------------------------------------

struct Loader::Impl {
  using Key = std::tuple<uint64_t, int, int>;  // sample number, w, h
  struct Result {
    Sample sample;
    size_t index = 0;
    std::exception_ptr error;
  };

  Dataset data;
  AugmentOptions options;
  uint64_t seed;

  std::mutex mu;
  std::condition_variable work_ready, result_ready;
  std::deque<Key> queue;     // requested, not started
  std::set<Key> pending;     // requested or being loaded
  std::map<Key, Result> results;
  std::map<uint64_t, std::vector<uint32_t>> orders;  // epoch -> permutation (a few recent epochs)
  uint64_t position = 0;
  int cur_w = 0, cur_h = 0;
  bool stopping = false;
  std::vector<std::thread> workers;

  Impl(const Dataset& d, AugmentOptions o, uint64_t s) : data(d), options(o), seed(s) {}

  // Fisher–Yates with the epoch's own generator: a shuffled permutation of the data set per epoch.
  std::vector<uint32_t> make_order(uint64_t epoch) const {
    std::vector<uint32_t> order(data.images.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = uint32_t(i);
    Rng rng(epoch_seed(seed, epoch));
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[size_t(rng.next() % i)]);
    return order;
  }

  // Dataset index of sample k (call with mu held).
  size_t index_of(uint64_t k) {
    const uint64_t n = data.images.size(), epoch = k / n;
    auto it = orders.find(epoch);
    if (it == orders.end()) {
      if (orders.size() >= 4) orders.erase(orders.begin());
      it = orders.emplace(epoch, make_order(epoch)).first;
    }
    return it->second[size_t(k % n)];
  }

  Result load(uint64_t k, size_t index, int w, int h) const {
    Result r;
    r.index = index;
    try {
      r.sample = load_training_sample(data, index, options, w, h, sample_seed(seed, k));
    } catch (...) {
      r.error = std::current_exception();
    }
    return r;
  }

  void worker_loop() {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      work_ready.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping) return;
      const Key key = queue.front();
      queue.pop_front();
      const size_t index = index_of(std::get<0>(key));
      lock.unlock();
      Result r = load(std::get<0>(key), index, std::get<1>(key), std::get<2>(key));
      lock.lock();
      pending.erase(key);
      // Keep it unless the stream has moved away from it meanwhile (seek, new size).
      if (std::get<0>(key) >= position && std::get<1>(key) == cur_w && std::get<2>(key) == cur_h)
        results.emplace(key, std::move(r));
      result_ready.notify_all();
    }
  }

  // A new size or position: drop requests and results that cannot be used any more (call with mu held).
  void retarget(int w, int h) {
    if (w == cur_w && h == cur_h) return;
    cur_w = w, cur_h = h;
    drop_queue();
    std::erase_if(results, [&](const auto& kv) { return std::get<1>(kv.first) != w || std::get<2>(kv.first) != h; });
  }

  // Forget the requests no worker has started (call with mu held); those in flight finish and are filtered.
  void drop_queue() {
    for (const Key& key : queue) pending.erase(key);
    queue.clear();
  }

  void request(uint64_t k, int w, int h) {
    const Key key{k, w, h};
    if (results.count(key) || pending.count(key)) return;
    queue.push_back(key);
    pending.insert(key);
  }

  Batch next_threaded(int n, int w, int h) {
    std::unique_lock<std::mutex> lock(mu);
    retarget(w, h);
    // This batch first, then the next two at the same size (the likely next request).
    for (uint64_t k = position; k < position + uint64_t(3 * n); ++k) request(k, w, h);
    work_ready.notify_all();
    Batch b = make_batch(n, w, h);
    for (int i = 0; i < n; ++i) {
      const Key key{position + uint64_t(i), w, h};
      result_ready.wait(lock, [&] { return results.count(key) > 0; });
      auto node = results.extract(key);
      if (node.mapped().error) {
        position += uint64_t(i);  // the failing sample is not consumed, so a retry sees it again
        std::rethrow_exception(node.mapped().error);
      }
      store(b, i, node.mapped());
    }
    position += uint64_t(n);
    return b;
  }

  Batch next_inline(int n, int w, int h) {
    Batch b = make_batch(n, w, h);
    for (int i = 0; i < n; ++i) {
      const uint64_t k = position + uint64_t(i);
      size_t index;
      {
        std::lock_guard<std::mutex> lock(mu);
        index = index_of(k);
      }
      Result r = load(k, index, w, h);
      if (r.error) {
        position = k;
        std::rethrow_exception(r.error);
      }
      store(b, i, r);
    }
    position += uint64_t(n);
    return b;
  }

  static Batch make_batch(int n, int w, int h) {
    Batch b;
    b.n = n, b.c = 3, b.w = w, b.h = h;
    b.x.assign(size_t(n) * 3 * w * h, 0.f);
    b.truths.resize(size_t(n));
    b.indices.resize(size_t(n));
    return b;
  }

  static void store(Batch& b, int i, const Result& r) {
    const Image& im = r.sample.image;
    const size_t plane = size_t(b.w) * b.h;
    for (int ch = 0; ch < b.c; ++ch) {  // a one-channel image fills all three planes
      const float* src = &im.data[size_t(std::min(ch, im.c - 1)) * plane];
      std::copy(src, src + plane, &b.x[(size_t(i) * b.c + ch) * plane]);
    }
    b.truths[size_t(i)] = r.sample.boxes;
    b.indices[size_t(i)] = int(r.index);
  }
};

Loader::Loader(const Dataset& data, AugmentOptions options, uint64_t seed, int threads)
    : impl_(std::make_unique<Impl>(data, options, seed)) {
  if (data.images.empty()) throw InputError("data set " + data.source + ": no images to load");
  for (int t = 0; t < threads; ++t) impl_->workers.emplace_back([this] { impl_->worker_loop(); });
}

Loader::~Loader() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->work_ready.notify_all();
  for (std::thread& t : impl_->workers) t.join();
}

Batch Loader::next(int n, int w, int h) {
  if (n <= 0 || w <= 0 || h <= 0)
    throw InputError("Loader::next: batch " + std::to_string(n) + " at " + std::to_string(w) + "x" +
                     std::to_string(h) + " (all must be > 0)");
  return impl_->workers.empty() ? impl_->next_inline(n, w, h) : impl_->next_threaded(n, w, h);
}

uint64_t Loader::position() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->position;
}

void Loader::seek(uint64_t position) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (position == impl_->position) return;
  impl_->position = position;
  // Samples are a pure function of (seed, number, size), so cached ones stay valid; only requests and
  // results outside the new window are dropped.
  impl_->drop_queue();
  std::erase_if(impl_->results, [&](const auto& kv) { return std::get<0>(kv.first) < position; });
}

}  // namespace ds
