#!/usr/bin/env python3
"""A darknet .cfg network in PyTorch, timed as `sweep bench` times ours.

The network is built from the same .cfg file that darksweep trains (experiments/cfg/paper/*.cfg,
experiments/cfg/smoke-*.cfg), with darknet's semantics for every layer those files use (core/layers/*.cpp):
[convolutional] (batch norm, groups, dilation, the activations of core/nn/activations.h), [maxpool] (darknet's
top-left padding of padding/2 and output (w + padding - size)/stride + 1, SPP's stride-1 form), [route]
(groups/group_id), [shortcut] (several `from`, weights_type), [upsample], [scale_channels], [sam], [dropout],
[avgpool], [softmax], [cost], [yolo] and [Gaussian_yolo] (their forward activations). An unknown section or an
option that would change the computation is an error naming the cfg file and line.

The cfg reader, the shapes, the parameter count and the FLOP count are plain Python (no torch needed):
    python3 bench/torch_darknet.py --describe --cfg experiments/cfg/paper/cspdarknet53-panet-spp.cfg --size 512
Timing (needs torch):
    python3 bench/torch_darknet.py --cfg experiments/cfg/paper/cspdarknet53-panet-spp.cfg --size 512 \
        --batch 64 --subdivisions 8 --iters 10 --warmup 3 --precision amp-fp16 --channels-last --device cuda \
        --measure-peak
prints one JSON object. One timed iteration is one training iteration of darknet: `batch` images processed as
`subdivisions` mini-batches (forward, backward, gradients accumulated), then one SGD step (momentum, weight decay
on the convolution weights, as darknet's update). The loss is a stand-in (the JSON's "loss" says which): the
mean of squares of each [yolo]/[Gaussian_yolo] head's output against a zero target (all heads, so that every
branch runs its backward as darknet's does), or a classifier's cross-entropy on its [softmax] input.

FLOPs follow `sweep bench` (sweep/cli/cmd_bench.cpp): forward = 2 x the convolutions' multiply-adds (darknet's
BFLOPs; other layers are not counted), training = 3 x forward (forward, data gradients, weight gradients). The
field names that mean the same as sweep bench's are the same (cfg, width, height, mini_batch, iters,
median_step_s, images_per_s, forward_gflop_per_image, train_gflops_achieved, peak_rss_mb).
"""

import argparse
import json
import math
import platform
import resource
import statistics
import sys
import time

# ---------------------------------------------------------------------------------------------------------------
# cfg reading (darknet's read_cfg: all whitespace removed, '#' and ';' comments, [section], key=value)


class CfgError(Exception):
    """A bad cfg: the message names file:line (exit code 2, as darksweep's)."""


ALIASES = {"network": "net", "conv": "convolutional", "max": "maxpool", "avg": "avgpool", "soft": "softmax"}


class Section:
    def __init__(self, type_, file, line, index):
        self.type, self.file, self.line, self.index = type_, file, line, index
        self.options = {}  # key -> [value, line]
        self.used = set()

    def fail(self, key, msg):
        line = self.options[key][1] if key in self.options else self.line
        where = "%s:%d" % (self.file, line) if line else "%s (override)" % self.file
        raise CfgError("%s: [%s] %s: %s" % (where, self.type, key, msg))

    def has(self, key):
        self.used.add(key)
        return key in self.options

    def get_str(self, key, default):
        self.used.add(key)
        return self.options[key][0] if key in self.options else default

    def get_int(self, key, default):
        v = self.get_str(key, None)
        if v is None:
            return default
        try:
            return int(v, 10)
        except ValueError:
            self.fail(key, "expected an integer, got '%s'" % v)

    def get_float(self, key, default):
        v = self.get_str(key, None)
        if v is None:
            return default
        try:
            return float(v)
        except ValueError:
            self.fail(key, "expected a number, got '%s'" % v)

    def get_int_list(self, key):
        v = self.get_str(key, None)
        if v is None:
            return []
        try:
            return [int(x, 10) for x in v.split(",")]
        except ValueError:
            self.fail(key, "expected a comma-separated list of integers, got '%s'" % v)

    def get_choice(self, key, default, choices):
        v = self.get_str(key, default)
        if v not in choices:
            self.fail(key, "'%s' is not valid; valid values: %s" % (v, ", ".join(choices)))
        return v

    def accept(self, *keys):
        """Options read by darknet that do not change the network's forward/backward (training, loss, data)."""
        self.used.update(keys)

    def reject_unless(self, key, default, why="not supported by torch_darknet.py"):
        v = self.get_float(key, default)
        if v != default:
            self.fail(key, "%s (only the default %g is accepted)" % (why, default))

    def check_all_used(self):
        for key in sorted(self.options):
            if key not in self.used:
                self.fail(key, "unknown option; options of [%s]: %s" % (self.type, ", ".join(sorted(self.used))))


def parse_cfg_text(text, name):
    sections = []
    for no, raw in enumerate(text.splitlines(), 1):
        line = "".join(raw.split())
        if not line or line[0] in "#;":
            continue
        if line[0] == "[":
            if line[-1] != "]" or len(line) < 3:
                raise CfgError("%s:%d: malformed section header '%s'" % (name, no, line))
            t = line[1:-1]
            t = ALIASES.get(t, t)
            if not sections and t != "net":
                raise CfgError("%s:%d: the first section must be [net] or [network], got %s" % (name, no, line))
            if sections and t == "net":
                raise CfgError("%s:%d: [net] may appear only once, as the first section" % (name, no))
            sections.append(Section(t, name, no, len(sections) - 1))
            continue
        eq = line.find("=")
        if eq <= 0:
            raise CfgError("%s:%d: expected 'key=value' or '[section]', got '%s'" % (name, no, line))
        if not sections:
            raise CfgError("%s:%d: option before the first section: '%s'" % (name, no, line))
        s, key = sections[-1], line[:eq]
        if key in s.options:
            raise CfgError("%s:%d: [%s] %s is given twice (first at line %d)" % (name, no, s.type, key, s.options[key][1]))
        s.options[key] = [line[eq + 1:], no]
    if not sections:
        raise CfgError("%s: no sections (expected [net] first)" % name)
    if len(sections) == 1:
        raise CfgError("%s: no layers after [net]" % name)
    return sections


def apply_override(sections, text):
    """'net.key=value', 'LAYER_INDEX.key=value' or 'SECTION_TYPE.key=value' (darksweep's override forms)."""
    t = "".join(text.split())
    eq, dot = t.find("="), t.find(".")
    if eq < 0 or dot <= 0 or dot > eq or dot + 1 == eq:
        raise CfgError("override '%s' must look like 'net.key=value', 'LAYER_INDEX.key=value' or "
                       "'SECTION_TYPE.key=value'" % text)
    target, key, value = t[:dot], t[dot + 1:eq], t[eq + 1:]
    if target.lstrip("-").isdigit():
        i = int(target)
        if not 0 <= i < len(sections) - 1:
            raise CfgError("override '%s': layer %d does not exist (0..%d)" % (text, i, len(sections) - 2))
        hits = [sections[i + 1]]
    else:
        target = ALIASES.get(target, target)
        hits = [s for s in sections if s.type == target]
        if not hits:
            raise CfgError("override '%s': the cfg has no [%s] section" % (text, target))
    for s in hits:
        s.options[key] = [value, 0]


# ---------------------------------------------------------------------------------------------------------------
# The network's description: layer types, options, shapes, parameters, FLOPs (darksweep's Network, plain Python)

ACTIVATIONS = ["linear", "leaky", "relu", "logistic", "tanh", "swish", "mish", "hard_mish",
               "normalize_channels_softmax", "normalize_channels_softmax_maxval"]

NET_KEYS = [  # every key of darksweep's parse_net_options that does not shape the network (data, schedule)
    "max_batches", "learning_rate", "learning_rate_min", "sgdr_cycle", "sgdr_mult", "momentum", "decay", "track",
    "augment_speed", "loss_scale", "dynamic_minibatch", "inputs", "max_crop", "min_crop", "flip", "blur",
    "gaussian_noise", "mixup", "cutmix", "mosaic", "letter_box", "mosaic_bound", "contrastive", "label_smooth_eps",
    "resize_step", "adversarial_lr", "angle", "aspect", "saturation", "exposure", "hue", "power", "burn_in", "policy",
    "step", "scale", "steps", "scales", "gamma", "max_chart_loss", "workspace_size_limit_MB", "show_receptive_field"]
NET_REJECT = ["adam", "contrastive_jit_flip", "contrastive_color", "unsupervised", "attention", "try_fix_nan",
              "weights_reject_freq", "equidistant_point", "use_cuda_graph", "optimized_memory",
              "badlabels_rejection_percentage", "num_sigmas_reject_badlabels", "ema_alpha"]
YOLO_KEYS = [  # the loss's and the detector's options: no effect on the forward activations timed here
    "anchors", "max", "show_details", "max_delta", "counters_per_class", "label_smooth_eps", "objectness_smooth",
    "iou_normalizer", "obj_normalizer", "cls_normalizer", "delta_normalizer", "iou_loss", "iou_thresh_kind",
    "beta_nms", "nms_kind", "jitter", "resize", "focal_loss", "ignore_thresh", "truth_thresh", "iou_thresh", "random",
    "track_history_size", "sim_thresh", "dets_for_track", "dets_for_show", "track_ciou_norm", "uc_normalizer"]


class Layer:
    """One layer: type, absolute input indices (-1 = the network input), output shape (c, h, w), options."""

    def __init__(self, index, type_, section):
        self.index, self.type, self.section = index, type_, section
        self.inputs = [index - 1]
        self.out = None
        self.flops = 0.0           # forward, per image: 2 x multiply-adds (convolutions only, as darksweep)
        self.params = 0            # trained: weights, biases, batch-norm scales (what papers count)
        self.bn_statistics = 0     # rolling mean + variance (in .weights, not trained)
        self.opt = {}

    def describe(self):
        c, h, w = self.out
        return {"index": self.index, "type": self.type, "inputs": self.inputs, "out": [c, h, w],
                "gflop": self.flops / 1e9, "params": self.params}


class Network:
    def __init__(self, sections, file):
        self.file = file
        net = sections[0]
        self.width = net.get_int("width", 0)
        self.height = net.get_int("height", 0)
        self.channels = net.get_int("channels", 0)
        self.batch = net.get_int("batch", 1)
        self.subdivisions = net.get_int("subdivisions", 1)
        self.momentum = net.get_float("momentum", 0.9)
        self.decay = net.get_float("decay", 0.0001)
        self.learning_rate = net.get_float("learning_rate", 0.001)
        net.accept(*NET_KEYS)
        for k in NET_REJECT:
            net.reject_unless(k, 0, "not supported by darksweep")
        if net.get_int("sequential_subdivisions", self.subdivisions) != self.subdivisions:
            net.fail("sequential_subdivisions", "not supported by darksweep (must equal subdivisions)")
        if net.get_int("time_steps", 1) != 1:
            net.fail("time_steps", "recurrent networks are not supported (only 1)")
        if self.batch < 1:
            net.fail("batch", "must be >= 1")
        if self.subdivisions < 1 or self.batch % self.subdivisions:
            net.fail("subdivisions", "batch %d is not divisible by subdivisions %d" % (self.batch, self.subdivisions))
        if self.width <= 0 or self.height <= 0 or self.channels <= 0:
            net.fail("width", "width, height and channels must all be > 0 (got %dx%dx%d)"
                     % (self.width, self.height, self.channels))
        net.check_all_used()
        self.layers = []
        for s in sections[1:]:
            builder = BUILDERS.get(s.type)
            if builder is None:
                raise CfgError("%s:%d: unknown section [%s]; valid sections: net, %s"
                               % (s.file, s.line, s.type, ", ".join(sorted(BUILDERS))))
            l = Layer(len(self.layers), s.type, s)
            builder(self, l, s)
            # Options darknet's parser reads for every layer (parse_network_cfg_custom).
            s.accept("learning_rate", "stopbackward", "dontload", "dontloadscales")
            for k in ("onlyforward", "dont_update", "burnin_update", "train_only_bn", "clip"):
                s.reject_unless(k, 0, "not supported by darksweep")
            s.check_all_used()
            self.layers.append(l)

    # helpers for the builders
    def shape(self, i):
        return (self.channels, self.height, self.width) if i < 0 else self.layers[i].out

    def resolve(self, s, key, l, ref):
        a = l.index + ref if ref < 0 else ref
        if a < 0 or a >= l.index:
            s.fail(key, "layer reference %d resolves to %d, outside the layers before this one (0..%d)"
                   % (ref, a, l.index - 1))
        return a

    def image_before(self, s, l):
        p = self.shape(l.index - 1)
        if min(p) <= 0:
            raise CfgError("%s:%d: [%s]: the layer before must output an image, got %s" % (s.file, s.line, s.type, p))
        return p

    # totals
    def forward_flops(self):
        return sum(l.flops for l in self.layers)

    def params(self):
        return sum(l.params for l in self.layers)

    def weights_floats(self):
        return sum(l.params + l.bn_statistics for l in self.layers)

    def heads(self):
        return [l.index for l in self.layers if l.type in ("yolo", "Gaussian_yolo")]

    def summary(self, per_layer=False):
        types = {}
        for l in self.layers:
            types[l.type] = types.get(l.type, 0) + 1
        d = {"cfg": self.file, "width": self.width, "height": self.height, "channels": self.channels,
             "layers": len(self.layers), "layer_types": types, "heads": self.heads(),
             "params": self.params(), "params_m": round(self.params() / 1e6, 3),
             "weights_floats": self.weights_floats(),
             "forward_gflop_per_image": self.forward_flops() / 1e9,
             "flop_convention": "2 x multiply-adds of the convolutions only (darknet's BFLOPs, sweep bench's "
                                "forward_gflop_per_image); params = weights + biases + batch-norm scales; "
                                "weights_floats adds the rolling statistics (the .weights file's floats)"}
        if per_layer:
            d["per_layer"] = [l.describe() for l in self.layers]
        return d


def parse_activation(s, key, default):
    return s.get_choice(key, default, ACTIVATIONS)


def build_convolutional(net, l, s):
    o = l.opt
    o["filters"] = s.get_int("filters", 1)
    o["groups"] = s.get_int("groups", 1)
    o["size"] = s.get_int("size", 1)
    stride = s.get_int("stride", 1)
    sx, sy = s.get_int("stride_x", -1), s.get_int("stride_y", -1)
    o["stride_x"] = stride if sx < 1 else sx
    o["stride_y"] = stride if sy < 1 else sy
    o["dilation"] = s.get_int("dilation", 1)
    if o["size"] == 1:
        o["dilation"] = 1  # darknet ignores dilation for 1x1 kernels
    pad = s.get_int("pad", 0)
    o["padding"] = s.get_int("padding", 0)
    if pad:
        o["padding"] = o["size"] // 2
    o["activation"] = parse_activation(s, "activation", "logistic")
    bn = s.get_int("batch_normalize", 0)
    if bn not in (0, 1, 2):
        s.fail("batch_normalize", "expected 0, 1 or 2 (CmBN), got %d" % bn)
    if s.get_int("cbn", 0):
        bn = 2
    o["batch_normalize"] = bn != 0
    o["cmbn"] = bn == 2
    for k in ("antialiasing", "binary", "xnor", "bin_output", "sway", "rotate", "stretch", "stretch_sway", "flipped",
              "grad_centr", "coordconv", "deform", "deformable", "assisted_excitation", "dot", "reverse"):
        s.reject_unless(k, 0, "not supported by darksweep")
    s.reject_unless("share_index", -1000000000, "not supported by darksweep")
    s.accept("angle", "stream", "wait_stream")
    for k in ("filters", "size", "groups", "dilation"):
        if o[k] < 1:
            s.fail(k, "must be >= 1, got %d" % o[k])
    if o["stride_x"] < 1 or o["stride_y"] < 1:
        s.fail("stride", "must be >= 1, got %d" % stride)
    if o["padding"] < 0:
        s.fail("padding", "must be >= 0, got %d" % o["padding"])
    c, h, w = net.image_before(s, l)
    g = o["groups"]
    if c % g or o["filters"] % g:
        s.fail("groups", "groups=%d must divide both the input channels (%d) and filters (%d)" % (g, c, o["filters"]))
    k, p = o["size"], o["padding"]
    oh = (h + 2 * p - k) // o["stride_y"] + 1  # darknet's convolutional_out_height: no dilation term
    ow = (w + 2 * p - k) // o["stride_x"] + 1
    if oh < 1 or ow < 1:
        s.fail("size", "a %dx%d kernel with padding %d does not fit the %dx%d input" % (k, k, p, h, w))
    d = o["dilation"]
    if d > 1:
        dh = (h + 2 * p * d - (d * (k - 1) + 1)) // o["stride_y"] + 1
        dw = (w + 2 * p * d - (d * (k - 1) + 1)) // o["stride_x"] + 1
        if (dh, dw) != (oh, ow):
            s.fail("dilation", "with dilation the padding must be size/2 for an odd size (pad=1), as darknet's "
                               "output size ignores the dilation")
    o["in_channels"] = c
    l.out = (o["filters"], oh, ow)
    nweights = o["filters"] * (c // g) * k * k
    l.params = nweights + o["filters"] * (2 if o["batch_normalize"] else 1)
    l.bn_statistics = 2 * o["filters"] if o["batch_normalize"] else 0
    l.flops = 2.0 * oh * ow * nweights


def build_maxpool(net, l, s):
    o = l.opt
    stride = s.get_int("stride", 1)
    o["stride_x"] = s.get_int("stride_x", stride)
    o["stride_y"] = s.get_int("stride_y", stride)
    o["size"] = s.get_int("size", stride)
    o["padding"] = s.get_int("padding", o["size"] - 1)
    o["depth"] = s.get_int("maxpool_depth", 0) != 0
    out_channels = s.get_int("out_channels", 1)
    s.reject_unless("antialiasing", 0, "not supported by darksweep")
    s.reject_unless("maxpool_zero_nonmax", 0, "not supported by darksweep")
    if o["size"] < 1:
        s.fail("size", "must be >= 1")
    if o["stride_x"] < 1 or o["stride_y"] < 1:
        s.fail("stride", "must be >= 1")
    if o["padding"] < 0:
        s.fail("padding", "must be >= 0")
    c, h, w = net.image_before(s, l)
    if o["depth"]:
        if not 1 <= out_channels <= c:
            s.fail("out_channels", "must be in 1..%d (the input's channels)" % c)
        l.out = (out_channels, h, w)
        return
    l.net_in = (c, h, w)
    k, p = o["size"], o["padding"]
    ow = (w + p - k) // o["stride_x"] + 1
    oh = (h + p - k) // o["stride_y"] + 1
    if ow < 1 or oh < 1 or w + p < k or h + p < k:
        s.fail("size", "a window of %d with padding %d does not fit the %dx%d input" % (k, p, h, w))
    l.out = (c, oh, ow)


def build_avgpool(net, l, s):
    c, h, w = net.image_before(s, l)
    l.out = (c, 1, 1)


def build_route(net, l, s):
    refs = s.get_int_list("layers")
    if not refs:
        s.fail("layers", "required: a comma-separated list of layer references, e.g. layers=-1,61")
    l.inputs = [net.resolve(s, "layers", l, r) for r in refs]
    g, gid = s.get_int("groups", 1), s.get_int("group_id", 0)
    s.accept("stream", "wait_stream")
    if g < 1:
        s.fail("groups", "must be >= 1")
    if not 0 <= gid < g:
        s.fail("group_id", "must be in 0..%d (groups=%d)" % (g - 1, g))
    first = net.shape(l.inputs[0])
    c = 0
    for i in l.inputs:
        p = net.shape(i)
        if p[1:] != first[1:]:
            s.fail("layers", "the inputs must have the same height and width: layer %d %s vs layer %d %s"
                   % (l.inputs[0], first, i, p))
        if p[0] % g:
            s.fail("groups", "layer %d has %d channels, not divisible by groups=%d" % (i, p[0], g))
        c += p[0]
    l.opt.update(groups=g, group_id=gid, channels=[net.shape(i)[0] for i in l.inputs])
    l.out = (c // g, first[1], first[2])


def build_shortcut(net, l, s):
    o = l.opt
    o["activation"] = parse_activation(s, "activation", "linear")
    wt = s.get_choice("weights_type", "none", ["none", "per_feature", "per_layer", "per_channel"])
    o["weights_type"] = "per_feature" if wt == "per_layer" else wt
    wn = s.get_choice("weights_normalization", "none", ["none", "relu", "avg_relu", "softmax"])
    o["weights_normalization"] = "relu" if wn == "avg_relu" else wn
    prev = net.image_before(s, l)
    froms = s.get_int_list("from")
    if not froms:
        s.fail("from", "required: a comma-separated list of layer references, e.g. from=-3")
    l.inputs = [l.index - 1] + [net.resolve(s, "from", l, r) for r in froms]
    for i in l.inputs:
        p = net.shape(i)
        if p[1:] != prev[1:]:
            s.fail("from", "layer %d %s must have the height and width of the previous layer %s" % (i, p, prev))
    o["channels"] = [net.shape(i)[0] for i in l.inputs]
    l.out = prev
    k = len(l.inputs)
    l.params = k if o["weights_type"] == "per_feature" else k * prev[0] if o["weights_type"] == "per_channel" else 0


def build_upsample(net, l, s):
    stride = s.get_int("stride", 2)
    l.opt["scale"] = s.get_float("scale", 1.0)
    if stride == 0:
        s.fail("stride", "must not be 0 (> 0 upsamples, < 0 downsamples)")
    l.opt["reverse"] = stride < 0
    l.opt["stride"] = st = abs(stride)
    c, h, w = net.image_before(s, l)
    if stride < 0:
        if h % st or w % st:
            s.fail("stride", "downsampling by %d needs a height and width divisible by it, got %dx%d" % (st, h, w))
        l.out = (c, h // st, w // st)
    else:
        l.out = (c, h * st, w * st)


def build_sam(net, l, s):
    refs = s.get_int_list("from")
    if len(refs) != 1:
        s.fail("from", "expected exactly one layer reference, e.g. from=-3")
    frm = net.resolve(s, "from", l, refs[0])
    l.opt["activation"] = parse_activation(s, "activation", "linear")
    prev = net.image_before(s, l)
    if net.shape(frm) != prev:
        s.fail("from", "layer %d %s must have the shape of the previous layer %s" % (frm, net.shape(frm), prev))
    l.inputs = [l.index - 1, frm]
    l.out = prev


def build_scale_channels(net, l, s):
    refs = s.get_int_list("from")
    if len(refs) != 1:
        s.fail("from", "expected exactly one layer reference, e.g. from=-3")
    frm = net.resolve(s, "from", l, refs[0])
    l.opt["scale_wh"] = s.get_int("scale_wh", 0) != 0
    l.opt["activation"] = parse_activation(s, "activation", "linear")
    prev, f = net.shape(l.index - 1), net.shape(frm)
    if not l.opt["scale_wh"] and prev != (f[0], 1, 1):
        s.fail("from", "the previous layer must be %dx1x1 (one scale per channel of layer %d), got %s" % (f[0], frm, prev))
    if l.opt["scale_wh"] and prev != (1, f[1], f[2]):
        s.fail("scale_wh", "the previous layer must be 1x%dx%d (one scale per pixel of layer %d), got %s"
               % (f[1], f[2], frm, prev))
    l.inputs = [l.index - 1, frm]
    l.out = f


def build_softmax(net, l, s):
    l.opt["groups"] = g = s.get_int("groups", 1)
    l.opt["temperature"] = t = s.get_float("temperature", 1.0)
    if s.get_str("tree", ""):
        s.fail("tree", "hierarchical softmax (softmax_tree) is not supported by darksweep")
    s.reject_unless("spatial", 0, "spatial softmax is not supported by darksweep")
    s.accept("noloss")
    if t <= 0:
        s.fail("temperature", "must be > 0")
    prev = net.shape(l.index - 1)
    if g < 1 or (prev[0] * prev[1] * prev[2]) % g:
        s.fail("groups", "must be >= 1 and divide the input size %d" % (prev[0] * prev[1] * prev[2]))
    l.out = prev


def build_cost(net, l, s):
    kind = s.get_str("type", "sse")
    if kind != "sse":
        s.fail("type", "only type=sse is supported by darksweep, got '%s'" % kind)
    s.accept("scale", "noobject_scale", "thresh")
    s.reject_unless("ratio", 0, "cost ratio (hard-example mining) is not supported")
    l.out = net.shape(l.index - 1)


def build_dropout(net, l, s):
    o = l.opt
    o["probability"] = p = s.get_float("probability", 0.2)
    o["dropblock"] = s.get_int("dropblock", 0) != 0
    s.get_float("dropblock_size_rel", 0.0)
    s.get_float("dropblock_size_abs", 0.0)
    if not 0 <= p < 1:
        s.fail("probability", "must be in [0, 1)")
    l.out = net.shape(l.index - 1)


def build_yolo(net, l, s, gaussian=False):
    o = l.opt
    o["classes"] = classes = s.get_int("classes", 20)
    num = s.get_int("num", 1)
    mask = s.get_int_list("mask") or list(range(num))
    o["scale_x_y"] = s.get_float("scale_x_y", 1.0)
    o["gaussian"] = gaussian
    o["anchors"] = len(mask)
    s.accept(*YOLO_KEYS)
    if s.get_int("new_coords", 0):
        s.fail("new_coords", "new_coords=1 is not supported by darksweep")
    if s.get_int("embedding_layer", 999999) != 999999:
        s.fail("embedding_layer", "tracking embeddings are not supported by darksweep")
    if s.get_str("map", ""):
        s.fail("map", "class maps (map=) are not supported by darksweep")
    if gaussian and s.get_choice("yolo_point", "center", ["center", "left_top", "right_bottom"]) != "center":
        s.fail("yolo_point", "only yolo_point=center is supported by darksweep")
    if classes < 1:
        s.fail("classes", "must be >= 1")
    for m in mask:
        if not 0 <= m < num:
            s.fail("mask", "entry %d is not an anchor index 0..%d (num=%d)" % (m, num - 1, num))
    prev = net.image_before(s, l)
    entries = classes + (9 if gaussian else 5)
    if prev[0] != len(mask) * entries:
        s.fail("classes", "layer %d has %d channels; %d anchors in mask x (classes %d + %d) needs %d"
               % (l.index - 1, prev[0], len(mask), classes, entries - classes, len(mask) * entries))
    l.out = prev


BUILDERS = {
    "convolutional": build_convolutional, "maxpool": build_maxpool, "avgpool": build_avgpool,
    "route": build_route, "shortcut": build_shortcut, "upsample": build_upsample, "sam": build_sam,
    "scale_channels": build_scale_channels, "softmax": build_softmax, "cost": build_cost, "dropout": build_dropout,
    "yolo": build_yolo, "Gaussian_yolo": lambda n, l, s: build_yolo(n, l, s, gaussian=True),
}


def load_network(path, size=None, overrides=()):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    sections = parse_cfg_text(text, path)
    if size:
        apply_override(sections, "net.width=%d" % size)
        apply_override(sections, "net.height=%d" % size)
    for o in overrides:
        apply_override(sections, o)
    return Network(sections, path)


def maxpool_padding(l):
    """Explicit (left, right, top, bottom) padding so that a plain max pool gives darknet's output: padding/2 on
    the top-left, and on the bottom-right what the last window needs (negative: that many input cells unused)."""
    c, h, w = l.net_in
    oc, oh, ow = l.out
    o = l.opt
    pl = o["padding"] // 2
    pr = (ow - 1) * o["stride_x"] + o["size"] - w - pl
    pb = (oh - 1) * o["stride_y"] + o["size"] - h - pl
    return pl, pr, pl, pb


# ---------------------------------------------------------------------------------------------------------------
# PyTorch model (torch imported only here)


def build_torch_model(net, torch):
    nn, F = torch.nn, torch.nn.functional

    def activation(name):
        if name == "linear":
            return lambda x: x
        if name == "leaky":
            return lambda x: F.leaky_relu(x, 0.1)
        if name == "relu":
            return F.relu
        if name == "logistic":
            return torch.sigmoid
        if name == "tanh":
            return torch.tanh
        if name == "swish":
            return F.silu
        if name == "mish":  # x tanh(softplus(x)), softplus linear above 20 as darknet's
            return F.mish
        if name == "hard_mish":  # x >= 0: x; -2 < x < 0: x (x/2 + 1); else 0
            return lambda x: x * torch.clamp(x * 0.5 + 1.0, 0.0, 1.0)
        if name.startswith("normalize_channels_softmax"):
            use_max = name.endswith("_maxval")

            def channel_softmax(x):  # e^(x_k - m) / (0.0001 + sum_j e^(x_j - m)) over the channels of each pixel
                xf = x.float()  # exp without the max overflows fp16
                e = torch.exp(xf - xf.amax(1, keepdim=True)) if use_max else torch.exp(xf)
                return (e / (e.sum(1, keepdim=True) + 0.0001)).to(x.dtype)
            return channel_softmax
        raise ValueError(name)

    class Conv(nn.Module):
        def __init__(self, l):
            super().__init__()
            o = l.opt
            self.conv = nn.Conv2d(o["in_channels"], o["filters"], o["size"], stride=(o["stride_y"], o["stride_x"]),
                                  padding=o["padding"] * o["dilation"], dilation=o["dilation"], groups=o["groups"],
                                  bias=not o["batch_normalize"])
            # darknet: rolling = 0.99 rolling + 0.01 batch statistic, eps 1e-5 (core/nn/batchnorm.h)
            self.bn = nn.BatchNorm2d(o["filters"], eps=1e-5, momentum=0.01) if o["batch_normalize"] else None
            self.act = activation(o["activation"])
            # darknet's initialisation: scale * U(-1, 1), scale = sqrt(2 / fan_in); biases 0; BN scales 1
            fan_in = o["size"] * o["size"] * o["in_channels"] // o["groups"]
            nn.init.uniform_(self.conv.weight, -math.sqrt(2.0 / fan_in), math.sqrt(2.0 / fan_in))
            if self.conv.bias is not None:
                nn.init.zeros_(self.conv.bias)

        def forward(self, x):
            x = self.conv(x)
            if self.bn is not None:
                x = self.bn(x)
            return self.act(x)

    class MaxPool(nn.Module):
        def __init__(self, l):
            super().__init__()
            o = l.opt
            self.depth = o["depth"]
            self.k, self.s = o["size"], (o["stride_y"], o["stride_x"])
            self.out_c = l.out[0]
            pl, pr, pt, pb = maxpool_padding(l)
            # Symmetric padding the pool can do itself (pads with -inf); otherwise pad explicitly with -inf,
            # which equals darknet's "cells outside the map are ignored".
            if pl == pr == pt == pb and pl <= self.k // 2:
                self.native, self.pad = pl, None
            elif max(pl, pr, pt, pb) <= 0:
                self.native, self.pad = 0, None
            else:
                self.native, self.pad = 0, (pl, max(pr, 0), pt, max(pb, 0))

        def forward(self, x):
            if self.depth:  # max over channels g, g + out_c, ...
                b, c, h, w = x.shape
                groups = -(-c // self.out_c)
                if groups * self.out_c != c:
                    x = F.pad(x, (0, 0, 0, 0, 0, groups * self.out_c - c), value=float("-inf"))
                return x.reshape(b, groups, self.out_c, h, w).amax(1)
            if self.pad is not None:
                x = F.pad(x, self.pad, value=float("-inf"))
            return F.max_pool2d(x, self.k, self.s, self.native)

    class Route(nn.Module):
        def __init__(self, l):
            super().__init__()
            g, gid = l.opt["groups"], l.opt["group_id"]
            self.slices = [(gid * c // g, (gid + 1) * c // g) if g > 1 else None for c in l.opt["channels"]]

        def forward(self, *xs):
            parts = [x if s is None else x[:, s[0]:s[1]] for x, s in zip(xs, self.slices)]
            return parts[0] if len(parts) == 1 else torch.cat(parts, 1)

    class Shortcut(nn.Module):
        def __init__(self, l):
            super().__init__()
            o = l.opt
            self.channels = o["channels"]
            self.c = l.out[0]
            self.act = activation(o["activation"])
            self.norm = o["weights_normalization"]
            k = len(l.inputs)
            if o["weights_type"] == "none":
                self.weights = None
            else:  # darknet's make_shortcut_layer: 1 + 0.01 U(-1, 1)
                step = self.c if o["weights_type"] == "per_channel" else 1
                self.weights = nn.Parameter(1.0 + 0.01 * (torch.rand(k, step) * 2 - 1))

        def forward(self, *xs):
            v = None
            if self.weights is not None:
                w = self.weights
                if self.norm == "relu":
                    w = F.relu(w)
                    w = w / (w.sum(0, keepdim=True) + 0.0001)
                elif self.norm == "softmax":
                    w = torch.exp(w - w.amax(0, keepdim=True))
                    w = w / (w.sum(0, keepdim=True) + 0.0001)
                v = w.reshape(w.shape[0], 1, w.shape[1], 1, 1).to(xs[0].dtype)
            out = None
            for k, (x, ck) in enumerate(zip(xs, self.channels)):
                if ck > self.c:  # a larger input contributes its first c channels (darknet's flat indices)
                    x = x[:, :self.c]
                if v is not None:
                    x = x * (v[k] if v.shape[2] == 1 else v[k][:, :x.shape[1]])
                if out is None:
                    out = x  # the previous layer: always c channels
                elif ck >= self.c:
                    out = out + x
                else:  # a smaller input adds to the first channels only
                    out = torch.cat([out[:, :ck] + x, out[:, ck:]], 1)
            return self.act(out)

    class Upsample(nn.Module):
        def __init__(self, l):
            super().__init__()
            self.s, self.reverse, self.scale = l.opt["stride"], l.opt["reverse"], l.opt["scale"]

        def forward(self, x):
            if self.reverse:  # sum of each s x s block
                y = F.avg_pool2d(x, self.s) * float(self.s * self.s)
            else:
                y = F.interpolate(x, scale_factor=self.s, mode="nearest")
            return y * self.scale if self.scale != 1.0 else y

    class Multiply(nn.Module):  # [sam]: act(x * a); [scale_channels]: act(s * f), s broadcast per channel or pixel
        def __init__(self, l):
            super().__init__()
            self.act = activation(l.opt["activation"])

        def forward(self, a, b):
            return self.act(a * b)

    class AvgPool(nn.Module):
        def forward(self, x):
            return x.mean((2, 3), keepdim=True)

    class Softmax(nn.Module):
        def __init__(self, l):
            super().__init__()
            self.groups, self.t = l.opt["groups"], l.opt["temperature"]

        def forward(self, x):
            b = x.shape[0]
            y = torch.softmax(x.reshape(b, self.groups, -1).float() / self.t, -1)
            return y.reshape(x.shape)

    class Identity(nn.Module):  # [cost] (its output is its input), [dropout] at inference
        def forward(self, x):
            return x

    class Dropout(nn.Module):
        def __init__(self, l):
            super().__init__()
            self.p, self.dropblock = l.opt["probability"], l.opt["dropblock"]

        def forward(self, x):
            if self.dropblock or not self.training:  # DropBlock: timed as identity (see the JSON's notes)
                return x
            return F.dropout(x, self.p, True)

    class Yolo(nn.Module):
        """darknet's forward_yolo_layer (activation part): logistic on x, y, objectness and the classes
        ([Gaussian_yolo]: on everything but mu_w, mu_h), then x, y <- s x - (s - 1)/2 with s = scale_x_y."""

        def __init__(self, l):
            super().__init__()
            o = l.opt
            entries = o["classes"] + (9 if o["gaussian"] else 5)
            if o["gaussian"]:
                sig, xy = [0, 1, 2, 3, 5, 7] + list(range(8, entries)), [0, 2]
            else:
                sig, xy = [0, 1] + list(range(4, entries)), [0, 1]
            c = entries * o["anchors"]
            mask, a, b = torch.zeros(c, dtype=torch.bool), torch.ones(c), torch.zeros(c)
            s = o["scale_x_y"]
            for n in range(o["anchors"]):
                for i in sig:
                    mask[n * entries + i] = True
                for i in xy:
                    a[n * entries + i], b[n * entries + i] = s, -0.5 * (s - 1)
            self.register_buffer("mask", mask.reshape(1, c, 1, 1))
            self.register_buffer("a", a.reshape(1, c, 1, 1))
            self.register_buffer("b", b.reshape(1, c, 1, 1))
            self.scaled = s != 1.0

        def forward(self, x):
            y = torch.where(self.mask, torch.sigmoid(x), x)
            return y * self.a.to(y.dtype) + self.b.to(y.dtype) if self.scaled else y

    def module_for(l):
        t = l.type
        if t == "convolutional":
            return Conv(l)
        if t == "maxpool":
            return MaxPool(l)
        if t == "route":
            return Route(l)
        if t == "shortcut":
            return Shortcut(l)
        if t == "upsample":
            return Upsample(l)
        if t in ("sam", "scale_channels"):
            return Multiply(l)
        if t == "avgpool":
            return AvgPool()
        if t == "softmax":
            return Softmax(l)
        if t == "cost":
            return Identity()
        if t == "dropout":
            return Dropout(l)
        if t in ("yolo", "Gaussian_yolo"):
            return Yolo(l)
        raise ValueError(t)

    class DarknetModel(nn.Module):
        def __init__(self):
            super().__init__()
            for l in net.layers:
                if l.opt.get("cmbn"):
                    l.section.fail("batch_normalize", "CmBN (batch_normalize=2 / cbn=1) is not implemented in "
                                                      "torch_darknet.py")
            self.stack = nn.ModuleList([module_for(l) for l in net.layers])
            self.inputs = [list(l.inputs) for l in net.layers]
            n = len(net.layers)
            # Outputs kept: the last use of each layer's output frees it (autograd keeps what backward needs).
            last = list(range(n))
            for l in net.layers:
                for i in l.inputs:
                    if i >= 0:
                        last[i] = max(last[i], l.index)
            self.free_after = [[i for i in range(n) if last[i] == j and i != n - 1] for j in range(n)]
            self.heads = set(net.heads())
            sm = [l.index for l in net.layers if l.type == "softmax"]
            # a classifier: the cross-entropy is taken on its (single-group) softmax's input
            self.logits_of = (sm[-1] - 1) if (not self.heads and sm and net.layers[sm[-1]].opt["groups"] == 1) else None

        def forward(self, x):
            outs = [None] * len(self.stack)
            results = []
            for j, m in enumerate(self.stack):
                ins = [x if i < 0 else outs[i] for i in self.inputs[j]]
                y = m(*ins)
                outs[j] = y
                if j in self.heads:
                    results.append(("head", y))
                if j == self.logits_of:
                    results.append(("logits", y))
                for i in self.free_after[j]:
                    if i not in self.heads and i != self.logits_of:
                        outs[i] = None
            if not results:
                results.append(("head", outs[-1]))
            return results

    return DarknetModel()


def load_darknet_weights(model, net, path, torch):
    """Loads a darknet .weights file (darksweep's layout: int32 major, minor, revision; seen as uint64 from 0.2 on;
    then per layer: conv biases, [BN scales, rolling mean, rolling variance], weights [n][c/g][k][k]; shortcut
    weights) into the model built from `net`. A short or long file is an error."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 12:
        raise CfgError("%s: not a darknet .weights file (%d bytes)" % (path, len(data)))
    major, minor, _ = struct.unpack_from("<3i", data, 0)
    off = 12 + (8 if major * 10 + minor >= 2 and major < 1000 and minor < 1000 else 4)
    floats = (len(data) - off) // 4
    need = net.weights_floats()
    if floats != need or (len(data) - off) % 4:
        raise CfgError("%s: %d floats after the header, %s needs %d" % (path, floats, net.file, need))
    values = torch.frombuffer(bytearray(data[off:]), dtype=torch.float32)
    pos = [0]

    def take(t):
        n = t.numel()
        with torch.no_grad():
            t.copy_(values[pos[0]:pos[0] + n].reshape(t.shape).to(t.device, t.dtype))
        pos[0] += n

    for l, m in zip(net.layers, model.stack):
        if l.type == "convolutional":
            take(m.bn.bias if m.bn is not None else m.conv.bias)
            if m.bn is not None:
                take(m.bn.weight)
                take(m.bn.running_mean)
                take(m.bn.running_var)
            take(m.conv.weight)
        elif l.type == "shortcut" and m.weights is not None:
            take(m.weights)
    assert pos[0] == need


def surrogate_loss(results, labels, torch):
    loss = None
    for kind, t in results:
        if kind == "logits":
            term = torch.nn.functional.cross_entropy(t.flatten(1).float(), labels)
        else:
            term = t.float().square().mean()
        loss = term if loss is None else loss + term
    return loss


def loss_description(model):
    if model.logits_of is not None:
        return "cross-entropy of the classifier's softmax input (layer %d) against fixed random labels" % model.logits_of
    return ("sum over the %s of the mean of squares of its output against a zero target (a stand-in for the "
            "YOLO loss: every head runs its backward)" % ("%d [yolo]/[Gaussian_yolo] heads" % len(model.heads)
                                                          if model.heads else "last layer"))


# ---------------------------------------------------------------------------------------------------------------
# Timing


def median(v):
    return statistics.median(v) if v else 0.0


def device_name(torch, device):
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "cpu"


class Timer:
    """Wall time of a block on the device: CUDA events (synchronised) or perf_counter on the CPU."""

    def __init__(self, torch, device):
        self.torch, self.cuda = torch, device.startswith("cuda")

    def __call__(self, fn):
        torch = self.torch
        if self.cuda:
            torch.cuda.synchronize()
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            return start.elapsed_time(end) / 1e3
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0


PEAK_KINDS = ("fp32", "tf32", "bf16", "fp16")


def set_tf32(torch, matmul=None, conv=None):
    """Allows (True) or forbids (False) TF32 in matmuls / cuDNN convolutions; None leaves it. The fp32_precision
    settings of torch >= 2.9 where they exist (the allow_tf32 flags are deprecated there), else allow_tf32."""
    new = hasattr(torch.backends.cuda.matmul, "fp32_precision") and hasattr(torch.backends.cudnn, "conv")
    if matmul is not None:
        if new:
            torch.backends.cuda.matmul.fp32_precision = "tf32" if matmul else "ieee"
        else:
            torch.backends.cuda.matmul.allow_tf32 = matmul
    if conv is not None:
        if new:
            torch.backends.cudnn.conv.fp32_precision = "tf32" if conv else "ieee"
        else:
            torch.backends.cudnn.allow_tf32 = conv


def get_tf32(torch):
    if hasattr(torch.backends.cuda.matmul, "fp32_precision") and hasattr(torch.backends.cudnn, "conv"):
        return torch.backends.cuda.matmul.fp32_precision == "tf32", torch.backends.cudnn.conv.fp32_precision == "tf32"
    return torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32


def measure_matmul_peak(torch, device, n, reps=10, kinds=PEAK_KINDS):
    """Median TFLOP/s of an n x n x n matrix product (2 n^3 FLOPs) for each kind."""
    timer = Timer(torch, device)
    out = {}
    saved = get_tf32(torch)[0] if device.startswith("cuda") else None
    for kind in kinds:
        if kind == "tf32" and not device.startswith("cuda"):
            continue
        dtype = {"fp32": torch.float32, "tf32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[kind]
        try:
            if saved is not None:
                set_tf32(torch, matmul=kind == "tf32")
            a = torch.randn(n, n, device=device, dtype=dtype)
            b = torch.randn(n, n, device=device, dtype=dtype)
            c = torch.empty(n, n, device=device, dtype=dtype)
            for _ in range(2):
                torch.matmul(a, b, out=c)
            times = [timer(lambda: torch.matmul(a, b, out=c)) for _ in range(reps)]
            out[kind] = 2.0 * n ** 3 / median(times) / 1e12
            a = b = c = None  # free before the next kind
        except RuntimeError as e:  # e.g. a dtype the CPU build lacks
            out[kind] = None
            out[kind + "_error"] = str(e).splitlines()[0]
        finally:
            if saved is not None:
                set_tf32(torch, matmul=saved)
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return {"n": n, "reps": reps, "tflops": {k: v for k, v in out.items() if not k.endswith("_error")},
            **({"errors": {k: v for k, v in out.items() if k.endswith("_error")}} if any(
                k.endswith("_error") for k in out) else {})}


def peak_reference(precision, tf32_conv):
    if precision == "amp-fp16":
        return "fp16"
    if precision == "amp-bf16":
        return "bf16"
    return "tf32" if tf32_conv else "fp32"


def bench(args, torch):
    net = load_network(args.cfg, args.size, args.set)
    batch = args.batch or net.batch
    subdivisions = args.subdivisions or (net.subdivisions if not args.batch else 1)
    if batch % subdivisions:
        raise CfgError("--batch %d is not divisible by --subdivisions %d" % (batch, subdivisions))
    mini = batch // subdivisions
    device = args.device
    cuda = device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        raise SystemExit("torch_darknet.py: --device cuda but torch.cuda.is_available() is False")
    torch.manual_seed(args.seed)
    if cuda:
        torch.backends.cudnn.benchmark = not args.no_cudnn_benchmark
        set_tf32(torch, matmul=not args.no_tf32, conv=not args.no_tf32)

    out = {"impl": "pytorch", "cfg": args.cfg, "width": net.width, "height": net.height, "batch": batch,
           "subdivisions": subdivisions, "mini_batch": mini, "iters": args.iters, "warmup": args.warmup,
           "precision": args.precision, "channels_last": args.channels_last, "compile": args.compile,
           "device": device, "device_name": device_name(torch, device), "torch_version": torch.__version__,
           "cuda_version": torch.version.cuda, "layers": len(net.layers), "params": net.params()}
    if cuda:
        out["cudnn_version"] = torch.backends.cudnn.version()
        out["cudnn_benchmark"] = torch.backends.cudnn.benchmark
        out["tf32"] = get_tf32(torch)[1]  # cuDNN convolutions may use TF32 (torch's default)
    else:
        out["threads"] = torch.get_num_threads()

    if args.measure_peak:
        out["matmul_peak"] = measure_matmul_peak(torch, device, args.peak_size or (8192 if cuda else 2048),
                                                 kinds=PEAK_KINDS if cuda else ("fp32",))

    model = build_torch_model(net, torch)
    if args.weights:
        load_darknet_weights(model, net, args.weights, torch)
    model = model.to(device)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    model.train()
    decay = args.decay if args.decay is not None else net.decay
    conv_w = [m.conv.weight for m in model.modules() if hasattr(m, "conv") and isinstance(m.conv, torch.nn.Conv2d)]
    ids = {id(p) for p in conv_w}
    rest = [p for p in model.parameters() if id(p) not in ids]
    # darknet's update: u = momentum u + (gradient of the summed loss) + decay * batch * w on the convolution
    # weights only, w -= lr / batch * u: torch's SGD on the mean loss with weight_decay on those weights.
    groups = [g for g in ({"params": conv_w, "weight_decay": decay}, {"params": rest, "weight_decay": 0.0})
              if g["params"]]
    opt_kw = {"lr": args.lr if args.lr is not None else net.learning_rate, "momentum": args.momentum}
    try:
        opt = torch.optim.SGD(groups, fused=cuda, **opt_kw)
        fused = cuda
    except (TypeError, RuntimeError):
        opt = torch.optim.SGD(groups, **opt_kw)
        fused = False
    step_model = torch.compile(model) if args.compile else model
    amp_dtype = {"amp-fp16": torch.float16, "amp-bf16": torch.bfloat16}.get(args.precision)
    scaler = None
    if args.precision == "amp-fp16":  # torch.amp.GradScaler from torch 2.3 on; before, torch.cuda.amp's
        scaler = (torch.amp.GradScaler(device.split(":")[0]) if hasattr(torch.amp, "GradScaler")
                  else torch.cuda.amp.GradScaler(enabled=cuda))

    xs = [torch.rand(mini, net.channels, net.height, net.width, device=device).contiguous(memory_format=fmt)
          for _ in range(subdivisions)]
    classes = net.layers[model.logits_of].out[0] if model.logits_of is not None else 1
    labels = [torch.randint(0, classes, (mini,), device=device) for _ in range(subdivisions)]
    skipped = [0]

    def iteration():
        for x, y in zip(xs, labels):
            if amp_dtype is not None:
                with torch.autocast(device_type=device.split(":")[0], dtype=amp_dtype):
                    loss = surrogate_loss(step_model(x), y, torch) / subdivisions
            else:
                loss = surrogate_loss(step_model(x), y, torch) / subdivisions
            (scaler.scale(loss) if scaler else loss).backward()
        if scaler:
            before = scaler.get_scale()
            scaler.step(opt)
            scaler.update()
            if scaler.get_scale() < before:
                skipped[0] += 1  # inf/NaN gradients: the step was skipped
        else:
            opt.step()
        opt.zero_grad(set_to_none=True)

    timer = Timer(torch, device)
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    warm = [timer(iteration) for _ in range(args.warmup)]
    warmup_s = time.perf_counter() - t0
    skipped_in_warmup = skipped[0]
    times = [timer(iteration) for _ in range(args.iters)]
    it = median(times)
    fwd = net.forward_flops()
    out.update({
        "median_iter_s": it, "min_iter_s": min(times), "max_iter_s": max(times), "iter_s": times,
        "warmup_iter_s": warm, "warmup_total_s": warmup_s,
        # sweep bench's step is one mini-batch (forward, backward, update); here the update is once per batch
        "median_step_s": it / subdivisions,
        "images_per_s": batch / it,
        "forward_gflop_per_image": fwd / 1e9,
        "train_gflops_achieved": 3.0 * fwd * batch / it / 1e9,
        "train_tflops_achieved": 3.0 * fwd * batch / it / 1e12,
        "flop_convention": "forward = 2 x multiply-adds of the convolutions only (darknet's BFLOPs); training = "
                           "3 x forward per image (forward + data gradients + weight gradients), as sweep bench's "
                           "train_gflops_achieved; images_per_s = batch / median_iter_s",
        "iteration": "%d images as %d mini-batches of %d (forward, backward, gradients accumulated), then one SGD "
                     "step (momentum %g, weight decay %g on the convolution weights%s)"
                     % (batch, subdivisions, mini, args.momentum, decay, ", fused" if fused else ""),
        "loss": loss_description(model),
        "notes": ["batch norm: torch BatchNorm2d in training mode (momentum 0.01, eps 1e-5), normalising with the "
                  "biased batch variance where darknet uses the unbiased one",
                  "input: uniform random images resident on the device; no data loading"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    })
    if any(l.type == "dropout" and l.opt["dropblock"] for l in net.layers):
        out["notes"].append("DropBlock layers are timed as identity")
    if scaler:
        out["amp_skipped_steps"] = skipped[0] - skipped_in_warmup
    if cuda:
        out["peak_device_mb"] = torch.cuda.max_memory_allocated() / 2 ** 20
        out["peak_device_reserved_mb"] = torch.cuda.max_memory_reserved() / 2 ** 20
    if args.measure_peak:
        ref = peak_reference(args.precision, cuda and get_tf32(torch)[1])
        peak = out["matmul_peak"]["tflops"].get(ref)
        out["peak_reference"] = ref
        out["share_of_peak"] = out["train_tflops_achieved"] / peak if peak else None
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cfg", help="darknet .cfg file")
    p.add_argument("--size", type=int, help="input width and height (overrides [net] width/height)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.key=value",
                   help="cfg override (net.key=value, LAYER.key=value, TYPE.key=value); repeatable")
    p.add_argument("--describe", action="store_true", help="print layers, parameters and forward GFLOPs (no torch)")
    p.add_argument("--per-layer", action="store_true", help="with --describe: every layer's shape and GFLOPs")
    p.add_argument("--batch", type=int, help="images per iteration (default: the cfg's batch)")
    p.add_argument("--subdivisions", type=int, help="mini-batches per iteration (default: the cfg's, or 1 with --batch)")
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--precision", choices=["fp32", "amp-fp16", "amp-bf16"], default="fp32")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (warm-up includes compiling)")
    p.add_argument("--device", default="cuda")
    p.add_argument("--no-tf32", action="store_true", help="fp32: forbid TF32 in cuDNN convolutions and matmuls")
    p.add_argument("--no-cudnn-benchmark", action="store_true")
    p.add_argument("--measure-peak", action="store_true", help="also time an n^3 matmul (fp32, tf32, bf16, fp16)")
    p.add_argument("--peak-only", action="store_true", help="only the matmul peak (no --cfg needed)")
    p.add_argument("--peak-size", type=int, help="matmul size for the peak (default 8192 on cuda, 2048 on cpu)")
    p.add_argument("--momentum", type=float, default=0.949, help="SGD momentum (default YOLOv4's 0.949)")
    p.add_argument("--decay", type=float, help="weight decay (default: the cfg's)")
    p.add_argument("--lr", type=float, help="learning rate (default: the cfg's)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--weights", help="start from a darknet .weights file (default: darknet's random initialisation)")
    args = p.parse_args(argv)
    try:
        if args.describe:
            if not args.cfg:
                p.error("--describe needs --cfg")
            print(json.dumps(load_network(args.cfg, args.size, args.set).summary(args.per_layer)))
            return 0
        import torch
        if args.peak_only:
            dev = args.device
            print(json.dumps({"impl": "pytorch", "device": dev, "device_name": device_name(torch, dev),
                              "torch_version": torch.__version__,
                              "matmul_peak": measure_matmul_peak(
                                  torch, dev, args.peak_size or (8192 if dev.startswith("cuda") else 2048),
                                  kinds=PEAK_KINDS if dev.startswith("cuda") else ("fp32",))}))
            return 0
        if not args.cfg:
            p.error("--cfg is required")
        print(json.dumps(bench(args, torch)))
        return 0
    except CfgError as e:
        print("torch_darknet.py: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:
        print("torch_darknet.py: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
