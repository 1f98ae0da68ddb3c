// Helpers shared by the non-convolutional CPU layers (see layer_util.h).
#include "core/layers/layer_util.h"

#include <algorithm>

#include "core/util/error.h"

namespace ds {

Shape previous_image(const CfgSection& s, const BuildContext& ctx) {
  Shape p = ctx.shape_of(ctx.index - 1);
  if (p.c <= 0 || p.h <= 0 || p.w <= 0)
    throw InputError(at_location(s.file, s.line,
                                 "[" + s.type + "]: the layer before must output an image, got " + p.str()));
  return p;
}

int resolve_one(const CfgSection& s, const BuildContext& ctx, const std::string& key) {
  std::vector<int> refs = s.get_int_list(key);
  if (refs.size() != 1) s.fail(key, "expected exactly one layer reference, e.g. " + key + "=-3");
  return ctx.resolve(refs[0], s, key);
}

std::vector<int> resolve_list(const CfgSection& s, const BuildContext& ctx, const std::string& key) {
  std::vector<int> refs = s.get_int_list(key);
  if (refs.empty()) s.fail(key, "required: a comma-separated list of layer references, e.g. " + key + "=-1,61");
  std::vector<int> abs;
  for (int r : refs) abs.push_back(ctx.resolve(r, s, key));
  return abs;
}

std::string describe_layer(const BuildContext& ctx, int index) {
  Shape p = ctx.shape_of(index);
  std::string dims = std::to_string(p.c) + "x" + std::to_string(p.h) + "x" + std::to_string(p.w);
  return (index < 0 ? std::string("the network input") : "layer " + std::to_string(index)) + " (" + dims + ")";
}

void copy_blocks(int n, size_t len, const float* src, size_t src_stride, size_t src_offset, float* dst,
                 size_t dst_stride, size_t dst_offset, bool add) {
  if (!dst) return;
  for (int b = 0; b < n; ++b) {
    const float* s = src + size_t(b) * src_stride + src_offset;
    float* d = dst + size_t(b) * dst_stride + dst_offset;
    if (add)
      for (size_t i = 0; i < len; ++i) d[i] += s[i];
    else
      std::copy(s, s + len, d);
  }
}

void ActivationStep::forward(Tensor out) {
  if (kind == Activation::linear) return;
  pre_.resize(out.size());
  std::copy(out.data, out.data + out.size(), pre_.data());
  activate(kind, out.data, out.size(), {out.shape.c, out.shape.hw()});
}

void ActivationStep::backward(const Tensor& out, Tensor delta) {
  if (kind == Activation::linear) return;
  activation_backward(kind, pre_.data(), out.data, delta.data, delta.size(), {out.shape.c, out.shape.hw()});
}

}  // namespace ds
