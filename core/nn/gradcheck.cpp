// Finite-difference gradient checking (see gradcheck.h). Accumulates in double to keep the numeric
// side accurate enough for float32 layers.
#include "core/nn/gradcheck.h"

#include <algorithm>
#include <cmath>

#include "core/util/error.h"

namespace ds {

LayerHarness LayerHarness::build(const std::string& section_text, Shape input, std::vector<Shape> prev,
                                 int batch, uint64_t seed) {
  LayerHarness h;
  h.input = input;
  h.prev = std::move(prev);
  h.batch = batch;
  Cfg cfg = parse_cfg_text("[net]\nbatch=" + std::to_string(batch) + "\nwidth=" + std::to_string(input.w) +
                               "\nheight=" + std::to_string(input.h) + "\nchannels=" + std::to_string(input.c) +
                               "\n" + section_text,
                           "gradcheck.cfg");
  h.net = parse_net_options(cfg.net());
  if (cfg.num_layers() != 1) throw InputError("gradcheck: section_text must hold exactly one layer");
  CfgSection section = cfg.layer(0);
  section.layer_index = int(h.prev.size());
  BuildContext ctx{h.net, int(h.prev.size()), input, h.prev};
  h.layer = make_layer(section, ctx);
  if (h.layer->inputs.empty()) h.layer->inputs = {int(h.prev.size()) - 1};

  size_t nparams = 0;
  for (const auto& b : h.layer->param_blocks()) nparams += b.count;
  h.params.resize(nparams);
  h.grads.resize(nparams);
  h.layer->bind_params(h.params.data(), h.grads.data());
  Rng rng(seed);
  h.layer->init_params(rng);
  size_t offset = 0;
  for (const auto& b : h.layer->param_blocks()) {
    for (size_t i = 0; i < b.count; ++i) {
      float& p = h.params[offset + i];
      if (b.kind == ParamKind::rolling_variance) p = rng.uniform(0.5f, 1.5f);
      else if (b.kind == ParamKind::rolling_mean) p = rng.uniform(-0.2f, 0.2f);
      else p += rng.uniform(-0.3f, 0.3f);
    }
    offset += b.count;
  }
  for (int i : h.layer->inputs) {
    Shape s = i < 0 ? input : h.prev.at(size_t(i));
    s.n = batch;
    Buffer b(s.size());
    for (size_t k = 0; k < b.size(); ++k) b[k] = rng.uniform(-1.f, 1.f);
    h.in.push_back(std::move(b));
  }
  Shape os = h.layer->out_shape;
  os.n = batch;
  h.out.resize(os.size());
  h.out_delta.resize(os.size());
  return h;
}

std::vector<Tensor> LayerHarness::input_views() {
  std::vector<Tensor> v;
  for (size_t k = 0; k < in.size(); ++k) {
    int i = layer->inputs[k];
    Shape s = i < 0 ? input : prev.at(size_t(i));
    s.n = batch;
    v.push_back(in[k].view(s));
  }
  return v;
}

void LayerHarness::forward(bool train, uint64_t seed) {
  Rng rng(seed);
  Shape os = layer->out_shape;
  os.n = batch;
  ForwardArgs a;
  a.in = input_views();
  a.out = out.view(os);
  a.train = train;
  a.rng = &rng;
  a.subdivision = subdivision;
  layer->forward(a);
}

namespace {

double loss(const Buffer& out, const std::vector<float>& r) {
  double l = 0;
  for (size_t i = 0; i < out.size(); ++i) l += double(out[i]) * r[i];
  return l;
}

void compare(double analytic, double numeric, const std::string& where, const GradcheckOptions& opt,
             GradcheckResult& res) {
  double err = std::fabs(analytic - numeric);
  double rel = err / std::max({std::fabs(analytic), std::fabs(numeric), opt.floor});
  res.checked++;
  res.max_abs_error = std::max(res.max_abs_error, err);
  if (rel > res.max_rel_error) {
    res.max_rel_error = rel;
    res.worst = where + " analytic " + std::to_string(analytic) + " numeric " + std::to_string(numeric);
  }
}

// Checks every element of `values` (or an even sample) against the analytic gradient `grad`
// (grad holds -dL/dx, darknet's convention).
void check_tensor(LayerHarness& h, float* values, const float* grad, size_t n, const std::string& name,
                  const std::vector<float>& r, const GradcheckOptions& opt, GradcheckResult& res) {
  size_t stride = std::max<size_t>(1, n / size_t(opt.max_elements_per_tensor));
  for (size_t i = 0; i < n; i += stride) {
    float saved = values[i];
    values[i] = saved + opt.eps;
    h.forward(opt.train);
    double lp = loss(h.out, r);
    values[i] = saved - opt.eps;
    h.forward(opt.train);
    double lm = loss(h.out, r);
    values[i] = saved;
    double numeric = (lp - lm) / (2.0 * opt.eps);
    compare(-double(grad[i]), numeric, name + " [" + std::to_string(i) + "]", opt, res);
  }
}

}  // namespace

GradcheckResult gradcheck(LayerHarness& h, const GradcheckOptions& opt) {
  Rng rng(99);
  std::vector<float> r(h.out.size());
  for (auto& v : r) v = rng.uniform(-1.f, 1.f);

  // Analytic pass.
  h.forward(opt.train);
  for (size_t i = 0; i < r.size(); ++i) h.out_delta[i] = -r[i];
  std::vector<Buffer> in_delta;
  for (auto& b : h.in) in_delta.emplace_back(b.size());
  h.grads.fill(0.f);
  {
    Shape os = h.layer->out_shape;
    os.n = h.batch;
    BackwardArgs a;
    a.in = h.input_views();
    for (size_t k = 0; k < in_delta.size(); ++k) a.in_delta.push_back(in_delta[k].view(a.in[k].shape));
    a.out = h.out.view(os);
    a.out_delta = h.out_delta.view(os);
    h.layer->backward(a);
  }
  std::vector<float> grads(h.grads.data(), h.grads.data() + h.grads.size());

  GradcheckResult res;
  for (size_t k = 0; k < h.in.size(); ++k)
    check_tensor(h, h.in[k].data(), in_delta[k].data(), h.in[k].size(), "input " + std::to_string(k), r, opt, res);
  if (opt.check_params) {
    size_t offset = 0;
    for (const auto& b : h.layer->param_blocks()) {
      bool trained = b.kind != ParamKind::rolling_mean && b.kind != ParamKind::rolling_variance;
      if (trained)
        check_tensor(h, h.params.data() + offset, grads.data() + offset, b.count, "param " + b.name, r, opt, res);
      offset += b.count;
    }
  }
  return res;
}

}  // namespace ds
