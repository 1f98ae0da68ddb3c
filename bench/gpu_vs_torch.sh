#!/usr/bin/env bash
# Our CUDA trainer against PyTorch on the paper's two detectors at 512x512 (issue #7 item 4): for
# CSPDarknet53-PANet-SPP (YOLOv4) and CSPResNeXt50-PANet-SPP,
#   ours   `sweep bench --cfg NET --size 512 --batch MB --device cuda [--precision tf32|mixed]` (one step = one
#          mini-batch of MB images: forward, backward, update): fp32, tf32 (what torch's fp32 computes), mixed
#          with NHWC fp16 convolutions (the default) and, for the first network, mixed with NCHW ones
#          (DS_CUDNN_FP16_LAYOUT=nchw) to measure what NHWC gains;
#   torch  `bench/torch_darknet.py` on the same cfg: fp32 (NCHW, cuDNN's TF32 allowed as torch's default) and
#          AMP fp16 channels-last; one iteration = batch 64 as 64/MB mini-batches with gradient accumulation and
#          one SGD step (so its update is amortised over 64 images, ours over MB);
# and once the matrix-product peak (8192^3 fp32 / tf32 / bf16 / fp16, torch) that the shares of peak refer to.
# Writes one JSON object per run to a JSON-lines file (a failed or timed-out run is a record with "error", so
# our side may fail without stopping the rest) and prints a side-by-side table. About 3-5 minutes on an H200:
# each run has a timeout and runs left when the time budget (--budget, default 290 s) is spent are recorded
# as skipped.
# Usage: bench/gpu_vs_torch.sh [--build DIR] [--out FILE.jsonl] [--mini-batch 8|16] [--size 512]
#                              [--iters-ours 16] [--iters-torch 8] [--budget 290] [--python python3] [--bf16]
#                              [--batch 64] [--device cuda]   (--device cpu --size 64 --batch 4: a check of the script)
set -uo pipefail
cd "$(dirname "$0")/.."
build=build out=gpu_vs_torch.jsonl mb=8 size=512 iters_ours=16 iters_torch=8 budget=290 py=python3 bf16=0
batch=64 device=cuda
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --mini-batch) mb=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --iters-ours) iters_ours=$2; shift 2 ;;
    --iters-torch) iters_torch=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --python) py=$2; shift 2 ;;
    --bf16) bf16=1; shift ;;
    --batch) batch=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    *) echo "bench/gpu_vs_torch.sh: unknown argument $1 (--build DIR --out FILE --mini-batch N --size S" \
            "--iters-ours N --iters-torch N --budget S --python PY --bf16 --batch N --device D)" >&2; exit 2 ;;
  esac
done
[ $((batch % mb)) -eq 0 ] || { echo "bench/gpu_vs_torch.sh: --mini-batch must divide --batch ($batch)" >&2; exit 2; }
exec "$py" - "$build/sweep/sweep" "$out" "$mb" "$size" "$iters_ours" "$iters_torch" "$budget" "$bf16" "$batch" \
  "$device" <<'PY'
import json, os, subprocess, sys, time

sweep, out_path, mb, size, iters_ours, iters_torch, budget, bf16, batch, device = sys.argv[1:]
mb, size, iters_ours, iters_torch, budget = int(mb), int(size), int(iters_ours), int(iters_torch), float(budget)
bf16, batch = bf16 == "1", int(batch)
py = sys.executable
nets = [("CSPDarknet53-PANet-SPP (YOLOv4)", "experiments/cfg/paper/cspdarknet53-panet-spp.cfg"),
        ("CSPResNeXt50-PANet-SPP", "experiments/cfg/paper/cspresnext50-panet-spp.cfg")]
start = time.time()
out = open(out_path, "w")


def parse_json(text):
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        i = text.rfind("\n{")  # a JSON object printed after other lines
        return json.loads(text[i + 1:]) if i >= 0 else None


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""


def run(record, cmd, timeout, env=None):
    left = budget - (time.time() - start)
    record = dict(record, command=" ".join(cmd))
    if left < 10:
        record["error"] = "skipped: the time budget of %g s is spent" % budget
    else:
        t0 = time.time()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=min(timeout, left),
                               env=dict(os.environ, **(env or {})))
            got = parse_json(p.stdout) if p.returncode == 0 else None
            if got is None:
                record.update(rc=p.returncode, error=(p.stderr.strip() or p.stdout.strip() or "no JSON")[-1500:])
            else:
                record = dict(got, **record)
        except subprocess.TimeoutExpired:
            record["error"] = "timed out after %.0f s" % min(timeout, left)
        except OSError as e:
            record["error"] = str(e)
        record["wall_s"] = round(time.time() - t0, 2)
    out.write(json.dumps(record) + "\n")
    out.flush()
    if "error" in record:
        status = last_line(record["error"])
    elif "matmul_peak" in record:
        status = "matmul peak (TFLOP/s): %s" % record["matmul_peak"].get("tflops")
    else:
        status = "%.1f images/s" % record.get("images_per_s", 0)
    print("  %-9s %-9s %-13s %s" % (record["impl"], record.get("precision", ""), record.get("layout", ""),
                                    status[:100]), file=sys.stderr, flush=True)
    return record


print("gpu_vs_torch: %s, size %d, mini-batch %d, budget %g s -> %s" % (sweep, size, mb, budget, out_path),
      file=sys.stderr)
peak = run({"impl": "pytorch", "run": "matmul_peak"},
           [py, "bench/torch_darknet.py", "--peak-only", "--device", device], 90)
peaks = peak.get("matmul_peak", {}).get("tflops", {})
rows = []
for title, cfg in nets:
    print(title, file=sys.stderr)
    base = {"network": title, "cfg": cfg, "size": size}
    ours = [("fp32", "NCHW"), ("tf32", "NCHW"), ("mixed", "NHWC")] + ([("mixed", "NCHW")] if cfg == nets[0][1] else [])
    for prec, layout in ours:
        cmd = [sweep, "bench", "--cfg", cfg, "--size", str(size), "--batch", str(mb), "--iters", str(iters_ours),
               "--warmup", "2", "--device", device] + (["--precision", prec] if prec != "fp32" else [])
        rows.append(run(dict(base, impl="darksweep", precision=prec, layout=layout, mini_batch=mb), cmd, 75,
                        {"DS_CUDNN_FP16_LAYOUT": layout.lower()}))
    torch_runs = [("fp32", False), ("amp-fp16", True)] + ([("amp-bf16", True)] if bf16 else [])
    for prec, cl in torch_runs:
        cmd = [py, "bench/torch_darknet.py", "--cfg", cfg, "--size", str(size), "--batch", str(batch),
               "--subdivisions", str(batch // mb), "--iters", str(iters_torch), "--warmup", "2", "--precision", prec,
               "--device", device] + (["--channels-last"] if cl else [])
        rows.append(run(dict(base, impl="pytorch", precision=prec, layout="channels-last" if cl else "NCHW",
                             mini_batch=mb), cmd, 100))


def ref_peak(r):
    if r.get("peak_reference"):
        return r["peak_reference"]
    p = r.get("precision")
    if r.get("impl") == "darksweep":  # our fp32 is FMA fp32 (no TF32), tf32 and mixed as named
        return {"fp32": "fp32", "tf32": "tf32", "mixed": "fp16"}.get(p, "fp32")
    return {"amp-fp16": "fp16", "amp-bf16": "bf16"}.get(p, "tf32" if r.get("tf32", True) else "fp32")


def mem(r):
    for k in ("peak_device_mb", "device_memory_in_use_mb", "peak_gpu_mb", "gpu_peak_mb", "device_peak_mb", "peak_memory_mb"):
        if isinstance(r.get(k), (int, float)):
            return "%.0f" % r[k]
    return "-"


print()
print("%s, %dx%d, training; torch: batch %d as %d mini-batches of %d, one update; ours: steps of one mini-batch of %d"
      % (peak.get("device_name", device), size, size, batch, batch // mb, mb, mb))
print("matmul peak %s^3 (TFLOP/s): " % peak.get("matmul_peak", {}).get("n", "?") + ", ".join("%s %.1f" % (k, v) for k, v in peaks.items() if v))
hdr = "%-32s %-9s %-9s %-13s %9s %8s %9s %7s %9s" % ("network", "impl", "precision", "layout", "images/s",
                                                     "ms/%dimg" % batch, "TFLOP/s", "%peak", "peak MB")
print(hdr)
print("-" * len(hdr))
for r in rows:
    if "error" in r:
        print("%-32s %-9s %-9s %-13s  %s" % (r["network"][:32], r["impl"], r["precision"], r["layout"],
                                             last_line(r["error"])[:70]))
        continue
    ips = r.get("images_per_s", 0.0)
    tf = r.get("train_gflops_achieved", 0.0) / 1e3
    pk = peaks.get(ref_peak(r)) or peaks.get("fp32")
    print("%-32s %-9s %-9s %-13s %9.1f %8.1f %9.2f %7s %9s" % (
        r["network"][:32], r["impl"], r["precision"], r["layout"], ips, batch * 1e3 / ips if ips else 0, tf,
        "%.1f%%" % (100 * tf / pk) if pk else "-", mem(r)))
for title, _ in nets:
    got = {(r["impl"], r["precision"], r["layout"]): r for r in rows if r["network"] == title and "error" not in r}
    for ours, theirs in ((("darksweep", "fp32", "NCHW"), ("pytorch", "fp32", "NCHW")),
                         (("darksweep", "tf32", "NCHW"), ("pytorch", "fp32", "NCHW")),
                         (("darksweep", "mixed", "NHWC"), ("pytorch", "amp-fp16", "channels-last")),
                         (("darksweep", "mixed", "NCHW"), ("pytorch", "amp-fp16", "channels-last"))):
        if ours in got and theirs in got:
            print("%s: ours %s / torch %s %s = %.2fx images/s" % (title, ours[1], theirs[1], theirs[2],
                  got[ours]["images_per_s"] / got[theirs]["images_per_s"]))
print("\nTFLOP/s = 3 x forward conv FLOPs (2 x multiply-adds) x images/s; %%peak against the matmul peak of the "
      "row's arithmetic (torch fp32 rows: tf32 where TF32 is allowed; ours: fp32, tf32 as named; mixed/amp-fp16: fp16); peak MB: torch's "
      "max_memory_allocated, ours as its JSON reports it. %.0f s in all; JSON lines: %s" % (time.time() - start,
                                                                                          out_path))
PY
