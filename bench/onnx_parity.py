#!/usr/bin/python3
"""ONNX export parity on the public benchmark (docs/export.md, "Parity with detect").

Trains one version on train_k10 in a fresh data folder, exports it, and runs every image of
test/ (480, 12 labels) through `labelloop detect --json` and through the exported file with
docs/export.md's own examples: Python + OpenCV DNN, and (when tests/export/node_modules is
installed) JavaScript + onnxruntime-node. Prints top-label agreement and the largest
confidence difference per runtime.

    /usr/bin/python3 bench/onnx_parity.py BUILD/src/app/labelloop [SHARED_DIR]
"""
import json, os, re, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.path.abspath(sys.argv[1])
shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "..", "shared")
public = os.path.join(shared, "bench", "public")


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(args[:4])}... failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return r.stdout


def example(language):
    doc = open(os.path.join(ROOT, "docs", "export.md")).read()
    return re.search(r"```" + language + r"\n(.*?)```", doc, re.S).group(1)


def compare(name, lines, want):
    got = {l["image"]: l["confidences"] for l in (json.loads(t) for t in lines.splitlines() if t.strip())}
    same, worst = 0, 0.0
    for image, labels in want.items():
        c = got[image]
        same += max(c, key=c.get) == max(labels, key=labels.get)
        worst = max(worst, max(abs(c[l] - v) for l, v in labels.items()))
    return f"| {name} | {len(want)} | {same} of {len(got)} | {worst:.3f} |"


with tempfile.TemporaryDirectory(prefix="labelloop-parity-") as tmp:
    data = os.path.join(tmp, "data")
    ll = lambda *a: run([binary, "--data", data, *a])
    ll("init")
    ll("import", "folders", os.path.join(public, "train_k10"))
    t0 = time.time()
    version = ll("train", "--wait").strip().splitlines()[-1]
    print(f"trained {version} on train_k10 in {time.time() - t0:.0f} s", file=sys.stderr)
    model = os.path.join(tmp, "model.onnx")
    ll("models", "export", version, model)
    images = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(public, "test")) for f in fs)
    t0 = time.time()
    detect = ll("detect", "--json", "--min-confidence", "0", "--version", version, *images)
    print(f"detect: {len(images)} images in {time.time() - t0:.1f} s", file=sys.stderr)
    want = {l["image"]: {x["name"]: x["confidence"] for x in l["labels"]} for l in map(json.loads, detect.splitlines())}
    rows = ["| runtime | images | same top label | largest confidence difference (points) |", "| --- | --- | --- | --- |"]
    script = os.path.join(tmp, "classify.py")
    open(script, "w").write(example("python"))
    t0 = time.time()
    rows.append(compare("Python, OpenCV DNN 4.6", run(["/usr/bin/python3", script, model, *images]), want))
    print(f"python: {time.time() - t0:.1f} s", file=sys.stderr)
    export_dir = os.path.join(ROOT, "tests", "export")
    if os.path.isdir(os.path.join(export_dir, "node_modules", "onnxruntime-node")):
        js = os.path.join(export_dir, "parity.generated.mjs")
        open(js, "w").write(example("js"))
        try:
            t0 = time.time()
            rows.append(compare("JavaScript, onnxruntime-node 1.30 + sharp", run(["node", js, model, *images], cwd=export_dir), want))
            print(f"js: {time.time() - t0:.1f} s", file=sys.stderr)
        finally:
            os.remove(js)
    print("\n".join(rows))
