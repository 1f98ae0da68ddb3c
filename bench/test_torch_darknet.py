#!/usr/bin/env python3
"""Tests of bench/torch_darknet.py: python3 -m unittest bench/test_torch_darknet.py (from the repository root).

Plain Python (no torch): the cfg reader, shapes, parameters and FLOPs against darksweep's numbers
(tests/core/test_paper_cfgs.cpp, and `sweep inspect --save-weights` for every cfg: its layer count, every layer's
output shape and the .weights file's float count), and the cfg errors.
With torch: the model's shapes and parameters, darknet's maxpool padding, the [yolo] activations, a training
iteration on the CPU through main(); with torch and a built `sweep` binary ($DARKSWEEP_SWEEP, default
build/sweep/sweep): every layer's output equals darksweep's (`sweep inspect`, inference) for the same weights.
"""

import glob
import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import torch_darknet as td  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

PAPER = os.path.join(ROOT, "experiments", "cfg", "paper")
CFG = os.path.join(ROOT, "experiments", "cfg")
SWEEP = os.environ.get("DARKSWEEP_SWEEP", os.path.join(ROOT, "build", "sweep", "sweep"))


def all_cfgs():
    return sorted(glob.glob(os.path.join(PAPER, "*.cfg"))) + sorted(glob.glob(os.path.join(CFG, "smoke-*.cfg"))) + [
        os.path.join(CFG, "yolov4-tiny.cfg")]


# darksweep's own numbers for every cfg (paper at 128x128, smoke and tiny at 64x64): layers, floats in the file
# written by `sweep inspect --save-weights` (= trained parameters + batch-norm rolling statistics). Every layer's
# output shape was compared too (all equal) when these were taken.
INSPECT = {
    "cspdarknet53-classifier.cfg": (109, 27677512),
    "cspdarknet53-panet-spp.cfg": (162, 64429405),
    "cspresnext50-classifier.cfg": (85, 20614824),
    "cspresnext50-panet-spp-asff-rfb.cfg": (236, 63780534),
    "cspresnext50-panet-spp-rfb.cfg": (174, 61435581),
    "cspresnext50-panet-spp-sam-gaussian.cfg": (144, 58435809),
    "cspresnext50-panet-spp-sam.cfg": (144, 58414269),
    "cspresnext50-panet-spp.cfg": (138, 57030845),
    "smoke-backbone-classifier.cfg": (29, 321784),
    "smoke-classifier.cfg": (31, 198648),
    "smoke-csp-spp-pan-asff-rfb.cfg": (146, 3717122),
    "smoke-csp-spp-pan-gaussian.cfg": (71, 1507493),
    "smoke-csp-spp-pan-rfb.cfg": (82, 1564865),
    "smoke-csp-spp-pan-sam-gaussian.cfg": (77, 1595301),
    "smoke-csp-spp-pan-sam.cfg": (77, 1589889),
    "smoke-csp-spp-pan.cfg": (71, 1502081),
    "yolov4-tiny.cfg": (38, 6062814),
}

# tests/core/test_paper_cfgs.cpp's table: layers and head indices.
HEADS = {
    "cspresnext50-classifier.cfg": (85, []),
    "cspdarknet53-classifier.cfg": (109, []),
    "cspresnext50-panet-spp.cfg": (138, [115, 126, 137]),
    "cspdarknet53-panet-spp.cfg": (162, [139, 150, 161]),
    "cspresnext50-panet-spp-rfb.cfg": (174, [127, 150, 173]),
    "cspresnext50-panet-spp-sam.cfg": (144, [117, 130, 143]),
    "cspresnext50-panet-spp-sam-gaussian.cfg": (144, [117, 130, 143]),
    "cspresnext50-panet-spp-asff-rfb.cfg": (236, [163, 199, 235]),
}


def write_cfg(tmp, text, name="net.cfg"):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def resized_cfg(path, size, tmp):
    with open(path) as f:
        text = f.read()
    text = re.sub(r"(?m)^\s*width\s*=.*$", "width=%d" % size, text, count=1)
    text = re.sub(r"(?m)^\s*height\s*=.*$", "height=%d" % size, text, count=1)
    return write_cfg(tmp, text, os.path.basename(path))


class DescribeTest(unittest.TestCase):
    def test_every_cfg_has_darksweeps_layers_and_weights(self):
        self.assertEqual(sorted(os.path.basename(p) for p in all_cfgs()), sorted(INSPECT))
        for path in all_cfgs():
            name = os.path.basename(path)
            with self.subTest(name):
                net = td.load_network(path, 128 if os.path.dirname(path) == PAPER else 64)
                layers, floats = INSPECT[name]
                self.assertEqual(len(net.layers), layers)
                self.assertEqual(net.weights_floats(), floats)
                if name in HEADS:
                    self.assertEqual((len(net.layers), net.heads()), HEADS[name])

    def test_yolov4_bflops_as_darksweep(self):
        # test_paper_cfgs.cpp prints 91.046 at 512 and 128.389 at 608 (darknet: 91.1, 128.5)
        for size, bflops in ((512, 91.046), (608, 128.389)):
            net = td.load_network(os.path.join(PAPER, "cspdarknet53-panet-spp.cfg"), size)
            self.assertAlmostEqual(net.forward_flops() / 1e9, bflops, delta=0.0005)

    def test_backbones_as_darksweep(self):
        # test_paper_cfgs.cpp: backbone (layers 0..N-1) BFLOPs at 512 and the classifier's parameters
        for name, n, bflops, mparams in (("cspresnext50-classifier.cfg", 81, 31.701, 20.557),
                                         ("cspdarknet53-classifier.cfg", 105, 52.261, 27.642)):
            net = td.load_network(os.path.join(PAPER, name), 512)
            self.assertAlmostEqual(sum(l.flops for l in net.layers[:n]) / 1e9, bflops, delta=0.0005)
            self.assertAlmostEqual(net.params() / 1e6, mparams, delta=0.0005)

    def test_cspresnext50_per_layer_bflops_of_darknet(self):
        net = td.load_network(os.path.join(PAPER, "cspresnext50-panet-spp.cfg"), 608)
        for layer, bf in ((0, 1.739), (2, 0.379), (4, 0.189), (6, 0.213), (7, 0.757)):
            self.assertAlmostEqual(net.layers[layer].flops / 1e9, bf, delta=0.001)
        net = td.load_network(os.path.join(PAPER, "cspresnext50-panet-spp.cfg"), 736)
        for layer, bf in ((69, 1.109), (71, 0.312), (80, 4.438), (81, 1.109)):
            self.assertAlmostEqual(net.layers[layer].flops / 1e9, bf, delta=0.001)

    def test_describe_cli_prints_one_json_object(self):
        buf = io.StringIO()
        with redirect_stdout(buf):
            rc = td.main(["--describe", "--cfg", os.path.join(PAPER, "cspdarknet53-panet-spp.cfg"), "--size", "512"])
        self.assertEqual(rc, 0)
        d = json.loads(buf.getvalue())
        self.assertEqual(d["layers"], 162)
        self.assertEqual(d["params"], 64363101)
        self.assertAlmostEqual(d["forward_gflop_per_image"], 91.046, delta=0.0005)

    def test_maxpool_output_sizes_are_darknets(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = write_cfg(tmp, "[net]\nwidth=13\nheight=13\nchannels=3\n[maxpool]\nsize=2\nstride=2\n"
                                  "[maxpool]\nsize=5\nstride=1\n[maxpool]\nsize=3\nstride=2\npadding=0\n")
            net = td.load_network(path)
            self.assertEqual([l.out for l in net.layers], [(3, 7, 7), (3, 7, 7), (3, 3, 3)])
            self.assertEqual(td.maxpool_padding(net.layers[0]), (0, 1, 0, 1))  # darknet pads bottom-right here
            self.assertEqual(td.maxpool_padding(net.layers[1]), (2, 2, 2, 2))

    def test_errors_name_the_file_and_line(self):
        cases = [
            ("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=4\nsize=3\nxnor=1\n", ":8:", "xnor"),
            ("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=4\nfoo=1\n", ":7:", "unknown option"),
            ("[net]\nwidth=8\nheight=8\nchannels=3\n[lstm]\n", ":5:", "unknown section [lstm]"),
            ("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nactivation=gelu\n", ":6:", "gelu"),
            ("[net]\nwidth=8\nheight=8\nchannels=3\n[route]\nlayers=-3\n", ":6:", "outside the layers"),
            ("[net]\nwidth=8\nheight=8\nchannels=3\nadam=1\n[maxpool]\n", ":5:", "adam"),
        ]
        with tempfile.TemporaryDirectory() as tmp:
            for text, line, what in cases:
                path = write_cfg(tmp, text)
                with self.subTest(what):
                    with self.assertRaises(td.CfgError) as e:
                        td.load_network(path)
                    self.assertIn(path + line, str(e.exception))
                    self.assertIn(what, str(e.exception))
            buf = io.StringIO()
            with redirect_stdout(buf), redirect_stderr(io.StringIO()) as err:
                self.assertEqual(td.main(["--describe", "--cfg", path]), 2)
            self.assertIn(path + ":5:", err.getvalue())

    def test_overrides(self):
        net = td.load_network(os.path.join(CFG, "smoke-csp-spp-pan.cfg"), 64,
                              ["convolutional.batch_normalize=2", "net.batch=32"])
        self.assertTrue(all(l.opt["cmbn"] for l in net.layers if l.type == "convolutional" and
                            l.opt["batch_normalize"]))
        self.assertEqual(net.batch, 32)


def write_npy(path, shape, rnd):
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ", ".join(str(s) for s in shape)
    hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
    n = 1
    for s in shape:
        n *= s
    values = [rnd.random() for _ in range(n)]
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
        f.write(struct.pack("<%df" % n, *values))
    return values


def read_npy(path):
    with open(path, "rb") as f:
        assert f.read(6) == b"\x93NUMPY"
        major = f.read(2)[0]
        n = struct.unpack("<H" if major == 1 else "<I", f.read(2 if major == 1 else 4))[0]
        header = f.read(n).decode()
        assert "'<f4'" in header and "'fortran_order': False" in header, header
        shape = tuple(int(x) for x in re.search(r"\((.*?)\)", header).group(1).split(",") if x.strip())
        return shape, f.read()


def write_weights(path, net, seed):
    """A .weights file (needs torch) with values a network stays finite on: small biases, BN scales ~1, rolling
    mean ~0, rolling variance in [0.5, 1.5], conv weights darknet's scale * U(-1, 1)."""
    g = torch.Generator().manual_seed(seed)

    def uniform(n, lo, hi):
        return torch.rand(n, generator=g) * (hi - lo) + lo

    parts = []
    for l in net.layers:
        if l.type == "convolutional":
            o = l.opt
            n = o["filters"]
            parts.append(uniform(n, -0.1, 0.1))
            if o["batch_normalize"]:
                parts += [uniform(n, 0.8, 1.2), uniform(n, -0.1, 0.1), uniform(n, 0.5, 1.5)]
            fan_in = o["size"] ** 2 * o["in_channels"] // o["groups"]
            s = (2.0 / fan_in) ** 0.5
            parts.append(uniform(n * fan_in, -s, s))
        elif l.type == "shortcut" and l.params:
            parts.append(uniform(l.params, 0.99, 1.01))
    values = torch.cat(parts)
    assert values.numel() == net.weights_floats()
    try:
        data = values.numpy().astype("<f4").tobytes()
    except (ImportError, RuntimeError):  # torch without numpy
        data = struct.pack("<%df" % values.numel(), *values.tolist())
    with open(path, "wb") as f:
        f.write(struct.pack("<3iQ", 0, 2, 5, 0))
        f.write(data)


@unittest.skipIf(torch is None, "torch is not installed")
class TorchTest(unittest.TestCase):
    def model(self, path, size=None, overrides=()):
        net = td.load_network(path, size, overrides)
        torch.manual_seed(0)
        return net, td.build_torch_model(net, torch)

    def outputs(self, model, x):
        got = []
        hooks = [m.register_forward_hook(lambda m, i, o: got.append(o)) for m in model.stack]
        try:
            results = model(x)
        finally:
            for h in hooks:
                h.remove()
        return got, results

    def test_shapes_and_parameters_equal_the_description(self):
        for path in all_cfgs():
            if os.path.dirname(path) == PAPER and "asff" not in path and "darknet53-panet" not in path:
                continue  # the two heaviest paper nets stand for the others (same layer types)
            with self.subTest(os.path.basename(path)):
                net, model = self.model(path, 64)
                self.assertEqual(sum(p.numel() for p in model.parameters()), net.params())
                model.eval()
                with torch.no_grad():
                    got, results = self.outputs(model, torch.rand(2, 3, 64, 64))
                self.assertEqual([tuple(t.shape[1:]) for t in got], [l.out for l in net.layers])
                self.assertEqual(len(results), max(1, len(net.heads())))

    def test_maxpool_is_darknets(self):
        # brute force: out[i,j] = max over the window at (i*s - padding/2, j*s - padding/2), cells outside ignored
        F = torch.nn.functional
        for w, size, stride, padding in ((7, 2, 2, None), (8, 2, 2, None), (9, 5, 1, None), (9, 3, 2, 0),
                                         (10, 3, 2, 3), (6, 13, 1, None), (7, 4, 3, 1)):
            with self.subTest((w, size, stride, padding)):
                pad = "" if padding is None else "padding=%d\n" % padding
                with tempfile.TemporaryDirectory() as tmp:
                    path = write_cfg(tmp, "[net]\nwidth=%d\nheight=%d\nchannels=2\n[maxpool]\nsize=%d\nstride=%d\n%s"
                                     % (w, w, size, stride, pad))
                    net, model = self.model(path)
                x = torch.randn(1, 2, w, w)
                y = model(x)[0][1]
                p = size - 1 if padding is None else padding
                _, oh, ow = net.layers[0].out
                ref = torch.full((1, 2, oh, ow), float("-inf"))
                for i in range(oh):
                    for j in range(ow):
                        for dy in range(size):
                            for dx in range(size):
                                yy, xx = i * stride + dy - p // 2, j * stride + dx - p // 2
                                if 0 <= yy < w and 0 <= xx < w:
                                    ref[:, :, i, j] = torch.maximum(ref[:, :, i, j], x[:, :, yy, xx])
                self.assertTrue(torch.equal(y, ref))
                self.assertIsNotNone(F)

    def test_yolo_and_gaussian_yolo_activations(self):
        for kind, entries, sig in (("yolo", 7, [0, 1, 4, 5, 6]), ("Gaussian_yolo", 11, [0, 1, 2, 3, 5, 7, 8, 9, 10])):
            with tempfile.TemporaryDirectory() as tmp:
                path = write_cfg(tmp, "[net]\nwidth=4\nheight=4\nchannels=%d\n[%s]\nclasses=2\nnum=1\nanchors=1,1\n"
                                      "scale_x_y=1.2\n" % (entries, kind))
                net, model = self.model(path)
            x = torch.randn(1, entries, 4, 4)
            y = model(x)[0][1]
            xy = [0, 1] if kind == "yolo" else [0, 2]
            for c in range(entries):
                ref = torch.sigmoid(x[:, c]) if c in sig else x[:, c]
                if c in xy:
                    ref = ref * 1.2 - 0.1
                self.assertTrue(torch.allclose(y[:, c], ref, atol=1e-6), (kind, c))

    def test_route_groups_shortcut_channels_and_channel_softmax(self):
        text = ("[net]\nwidth=4\nheight=4\nchannels=3\n"
                "[convolutional]\nfilters=6\nsize=1\nactivation=linear\n"   # 0
                "[route]\nlayers=-1\ngroups=3\ngroup_id=1\n"                 # 1: channels 2..3 of layer 0
                "[convolutional]\nfilters=4\nsize=1\nactivation=leaky\n"    # 2
                "[shortcut]\nfrom=1\nactivation=linear\n"                    # 3: 4 channels, + 2 on the first two
                "[convolutional]\nfilters=3\nsize=1\nactivation=normalize_channels_softmax_maxval\n"  # 4
                "[upsample]\nstride=-2\n")                                     # 5: 2x2 block sums
        with tempfile.TemporaryDirectory() as tmp:
            net, model = self.model(write_cfg(tmp, text))
        self.assertEqual([l.out for l in net.layers], [(6, 4, 4), (2, 4, 4), (4, 4, 4), (4, 4, 4), (3, 4, 4),
                                                       (3, 2, 2)])
        with torch.no_grad():
            got, _ = self.outputs(model, torch.randn(2, 3, 4, 4))
        self.assertTrue(torch.equal(got[1], got[0][:, 2:4]))
        ref = got[2].clone()
        ref[:, :2] += got[1]
        self.assertTrue(torch.allclose(got[3], ref))
        conv = model.stack[4].conv(got[3])
        e = torch.exp(conv - conv.amax(1, keepdim=True))
        self.assertTrue(torch.allclose(got[4], e / (e.sum(1, keepdim=True) + 0.0001), atol=1e-6))
        self.assertTrue(torch.allclose(got[5], torch.nn.functional.avg_pool2d(got[4], 2) * 4, atol=1e-6))

    def test_training_iteration_through_main_prints_json(self):
        buf = io.StringIO()
        with redirect_stdout(buf):
            rc = td.main(["--cfg", os.path.join(CFG, "smoke-csp-spp-pan-sam-gaussian.cfg"), "--size", "64",
                          "--batch", "4", "--subdivisions", "2", "--iters", "2", "--warmup", "1", "--device", "cpu",
                          "--measure-peak", "--peak-size", "256"])
        self.assertEqual(rc, 0)
        d = json.loads(buf.getvalue())
        for key in ("cfg", "width", "height", "mini_batch", "iters", "median_step_s", "images_per_s",
                    "forward_gflop_per_image", "train_gflops_achieved", "peak_rss_mb", "matmul_peak",
                    "share_of_peak", "loss", "flop_convention"):
            self.assertIn(key, d)
        self.assertEqual((d["batch"], d["mini_batch"], d["subdivisions"]), (4, 2, 2))
        self.assertGreater(d["images_per_s"], 0)
        self.assertAlmostEqual(d["images_per_s"], 4 / d["median_iter_s"])

    def test_classifier_iteration_and_bf16_on_cpu(self):
        buf = io.StringIO()
        with redirect_stdout(buf):
            rc = td.main(["--cfg", os.path.join(CFG, "smoke-classifier.cfg"), "--size", "32", "--batch", "2",
                          "--iters", "1", "--warmup", "1", "--device", "cpu", "--precision", "amp-bf16",
                          "--channels-last"])
        self.assertEqual(rc, 0)
        self.assertIn("cross-entropy", json.loads(buf.getvalue())["loss"])

    @unittest.skipUnless(os.access(SWEEP, os.X_OK), "no sweep binary (set DARKSWEEP_SWEEP)")
    def test_every_layer_equals_darksweeps_inference(self):
        rnd = random.Random(7)
        for path in all_cfgs():
            name = os.path.basename(path)
            with self.subTest(name), tempfile.TemporaryDirectory() as tmp:
                cfg = resized_cfg(path, 64, tmp)
                net = td.load_network(cfg)
                write_weights(os.path.join(tmp, "w.weights"), net, rnd.randrange(1 << 30))
                x = write_npy(os.path.join(tmp, "x.npy"), (1, 3, 64, 64), rnd)
                r = subprocess.run([SWEEP, "inspect", "--cfg", cfg, "--input", os.path.join(tmp, "x.npy"),
                                    "--weights", os.path.join(tmp, "w.weights"), "--out", os.path.join(tmp, "out")],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                model = td.build_torch_model(net, torch)
                td.load_darknet_weights(model, net, os.path.join(tmp, "w.weights"), torch)
                model.eval()
                with torch.no_grad():
                    got, _ = self.outputs(model, torch.tensor(x).reshape(1, 3, 64, 64))
                for i, t in enumerate(got):
                    shape, data = read_npy(os.path.join(tmp, "out", "layer_%03d.npy" % i))
                    ref = torch.frombuffer(bytearray(data), dtype=torch.float32).reshape(shape)
                    scale = max(1.0, float(ref.abs().max()))
                    err = float((t.float() - ref).abs().max())
                    self.assertLess(err, 1e-3 * scale, "%s layer %d (%s): max |torch - darksweep| = %g"
                                    % (name, i, net.layers[i].type, err))


if __name__ == "__main__":
    unittest.main()
