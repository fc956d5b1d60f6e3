#!/usr/bin/env node
// Reference activations for the backbone conversion test, computed by TF.js itself (pure-JS
// CPU backend) from the original TF.js layers model, on a deterministic input.
//
//   node reference.mjs --model-dir DIR --out-dir DIR [--npm-dir DIR] [--sizes 224,320,448]
//                      [--layers a,b] [--scale S] [--mean M] [--seed N]
//
// For each size S it writes, into --out-dir:
//   input_S.rgb      S*S*3 uint8, row-major RGB: the pattern (the C++ test swaps it to BGR)
//   input_S.f32      1x3xSxS float32 NCHW: the tensor both sides run on, computed the way
//                    cv::dnn::blobFromImage computes it: (pixel - mean/scale) * scale in float32
//   LAYER_S.f32      CxHxW float32 NCHW activations of each layer
//   index.json       what is where (shapes, preprocessing, versions)
// All floats little-endian.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { kerasLayers, kerasModelConfig, loadTfjsModel } from '../../tools/tfjs_to_onnx/tfjs_model.mjs';

const kRepoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function parseArgs(argv) {
  const args = {
    npmDir: path.join(kRepoRoot, 'var/npm-test'),
    sizes: [224, 320, 448],
    layers: ['block_3_project_BN', 'block_10_project_BN', 'block_12_add', 'out_relu'],
    scale: 1 / 127.5,
    mean: 1,
    seed: 20240601,
    source: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--model-dir') args.modelDir = v();
    else if (a === '--out-dir') args.outDir = v();
    else if (a === '--npm-dir') args.npmDir = v();
    else if (a === '--sizes') args.sizes = v().split(',').map(Number);
    else if (a === '--layers') args.layers = v().split(',');
    else if (a === '--scale') args.scale = Number(v());
    else if (a === '--mean') args.mean = Number(v());
    else if (a === '--seed') args.seed = Number(v());
    else if (a === '--source') args.source = v();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.modelDir || !args.outDir) throw new Error('--model-dir and --out-dir are required');
  return args;
}

// mulberry32: small, fast, deterministic across platforms.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// An image-like RGB pattern: a colour gradient, a few soft discs and stripes, plus noise,
// so activations span the ReLU6 range rather than sitting at zero or saturating.
function makePattern(size, seed) {
  const rnd = prng(seed + size);
  const rgb = new Uint8Array(size * size * 3);
  const discs = Array.from({ length: 12 }, () => ({
    x: rnd() * size, y: rnd() * size, r: (0.05 + 0.2 * rnd()) * size,
    col: [rnd() * 255, rnd() * 255, rnd() * 255],
  }));
  const g0 = [rnd() * 255, rnd() * 255, rnd() * 255];
  const g1 = [rnd() * 255, rnd() * 255, rnd() * 255];
  const freq = 2 + 6 * rnd();
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = (x + y) / (2 * size);
      const px = [0, 1, 2].map((c) => g0[c] * (1 - t) + g1[c] * t);
      for (const d of discs) {
        const dist = Math.hypot(x - d.x, y - d.y);
        const w = Math.min(1, Math.max(0, (d.r - dist) / 3));  // anti-aliased edge
        for (let c = 0; c < 3; c++) px[c] = px[c] * (1 - w) + d.col[c] * w;
      }
      const stripe = 30 * Math.sin((2 * Math.PI * freq * x) / size);
      for (let c = 0; c < 3; c++) {
        const v = px[c] + stripe + (rnd() - 0.5) * 40;
        rgb[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return rgb;
}

// NCHW float32 exactly as OpenCV's blobFromImage(scalefactor=scale, mean=mean/scale):
// image -= mean (float32), image *= scale (float32 multiply).
function toInputTensor(rgb, size, scale, mean) {
  const f = Math.fround;
  const meanCv = f(mean / scale);
  const s = f(scale);
  const out = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < size * size; i++) out[c * size * size + i] = f(f(rgb[i * 3 + c] - meanCv) * s);
  }
  return out;
}

// The model's topology cut down to `outputs`, with an input of size x size.
function cutTopology(topology, outputs, size) {
  const t = structuredClone(topology);
  const mc = kerasModelConfig(t);
  const byName = new Map(kerasLayers(t).map((l) => [l.name, l]));
  const needed = new Set();
  const stack = [...outputs];
  while (stack.length) {
    const n = stack.pop();
    if (needed.has(n)) continue;
    if (!byName.has(n)) throw new Error(`unknown layer ${n}`);
    needed.add(n);
    stack.push(...byName.get(n).inbound);
  }
  mc.config.layers = mc.config.layers.filter((l) => needed.has(l.name));
  for (const l of mc.config.layers) {
    if (l.class_name === 'InputLayer') l.config.batch_input_shape = [null, size, size, l.config.batch_input_shape[3]];
  }
  mc.config.output_layers = outputs.map((o) => [o, 0, 0]);
  return t;
}

function writeF32(file, data) {
  fs.writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const require = createRequire(path.join(path.resolve(args.npmDir), 'package.json'));
  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  const tfl = require('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
  tf.backend().firstUse = false;  // skip the "install tfjs-node" banner: pure JS is the point

  const model = loadTfjsModel(args.modelDir);
  const weightData = model.weightData.buffer.slice(model.weightData.byteOffset,
    model.weightData.byteOffset + model.weightData.byteLength);
  fs.mkdirSync(args.outDir, { recursive: true });
  const index = {
    format: 1,
    generator: 'tests/backbone/reference.mjs',
    source: args.source || path.resolve(args.modelDir),
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    seed: args.seed,
    layout: 'NCHW float32 little-endian; input_S.rgb is HxWx3 uint8 RGB',
    preprocessing: { scale: args.scale, mean: args.mean, swap_rb: true,
      formula: 'x = pixel * scale - mean, computed as (pixel - mean/scale) * scale in float32' },
    cases: [],
  };
  for (const size of args.sizes) {
    const t0 = Date.now();
    const rgb = makePattern(size, args.seed);
    const x = toInputTensor(rgb, size, args.scale, args.mean);
    fs.writeFileSync(path.join(args.outDir, `input_${size}.rgb`), rgb);
    writeF32(path.join(args.outDir, `input_${size}.f32`), x);

    const net = await tfl.loadLayersModel(tf.io.fromMemory({
      modelTopology: cutTopology(model.topology, args.layers, size),
      weightSpecs: model.weightSpecs, weightData,
    }), { strict: false });
    const input = tf.tidy(() => tf.transpose(tf.tensor4d(x, [1, 3, size, size]), [0, 2, 3, 1]));
    let outs = net.predict(input);
    if (!Array.isArray(outs)) outs = [outs];
    const entry = { size, input_rgb: `input_${size}.rgb`, input_f32: `input_${size}.f32`, outputs: {} };
    args.layers.forEach((name, i) => {
      const nchw = tf.transpose(outs[i], [0, 3, 1, 2]);
      const [, c, h, w] = nchw.shape;
      const file = `${name}_${size}.f32`;
      writeF32(path.join(args.outDir, file), nchw.dataSync());
      entry.outputs[name] = { file, shape: [c, h, w] };
      nchw.dispose();
    });
    tf.dispose([input, ...outs]);
    net.dispose();
    index.cases.push(entry);
    process.stderr.write(`reference: ${size}x${size}: ${args.layers.map((n) => `${n} ${entry.outputs[n].shape.join('x')}`)
      .join(', ')} (${Date.now() - t0} ms)\n`);
  }
  const tmp = path.join(args.outDir, `index.json.tmp-${process.pid}`);
  fs.writeFileSync(tmp, `${JSON.stringify(index, null, 2)}\n`);
  fs.renameSync(tmp, path.join(args.outDir, 'index.json'));
}

main().catch((e) => {
  process.stderr.write(`reference: error: ${e.stack || e.message}\n`);
  process.exit(1);
});
