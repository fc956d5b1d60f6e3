// Shared by the reference generators (reference.mjs, synthetic.mjs): the deterministic
// input pattern, OpenCV-identical preprocessing, TF.js loading, and writing one case
// (input + activations, NCHW float32 little-endian) for the C++ test to read.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

// mulberry32: small, fast, deterministic across platforms.
export function prng(seed) {
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
export function makePattern(size, seed) {
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
export function toInputTensor(rgb, size, scale, mean) {
  const f = Math.fround;
  const meanCv = f(mean / scale);
  const s = f(scale);
  const out = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < size * size; i++) out[c * size * size + i] = f(f(rgb[i * 3 + c] - meanCv) * s);
  }
  return out;
}

export function writeF32(file, data) {
  fs.writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

// The pure-JS TF.js (core + layers + CPU backend) installed in `npmDir`.
export async function loadTf(npmDir) {
  const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));
  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  const tfl = require('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
  tf.backend().firstUse = false;  // skip the "install tfjs-node" banner: pure JS is the point
  return { tf, tfl };
}

// Runs `net` (a tfl.LayersModel whose outputs are `layers`) on the pattern of `size` and
// writes input_S.rgb, input_S.f32 and LAYER_S.f32 into outDir. Returns the index entry.
export function writeCase({ tf, net, layers, size, seed, scale, mean, outDir }) {
  const rgb = makePattern(size, seed);
  const x = toInputTensor(rgb, size, scale, mean);
  fs.writeFileSync(path.join(outDir, `input_${size}.rgb`), rgb);
  writeF32(path.join(outDir, `input_${size}.f32`), x);
  const input = tf.tidy(() => tf.transpose(tf.tensor4d(x, [1, 3, size, size]), [0, 2, 3, 1]));
  let outs = net.predict(input);
  if (!Array.isArray(outs)) outs = [outs];
  const entry = { size, input_rgb: `input_${size}.rgb`, input_f32: `input_${size}.f32`, outputs: {} };
  layers.forEach((name, i) => {
    // [1, H, W, C] -> C x H x W; a pooled [1, C] is C x 1 x 1 (as the C++ Backbone sees it).
    const nchw = outs[i].rank === 4 ? tf.transpose(outs[i], [0, 3, 1, 2]) : tf.reshape(outs[i], [1, -1, 1, 1]);
    const [, c, h, w] = nchw.shape;
    const file = `${name}_${size}.f32`;
    writeF32(path.join(outDir, file), nchw.dataSync());
    entry.outputs[name] = { file, shape: [c, h, w] };
    nchw.dispose();
  });
  tf.dispose([input, ...outs]);
  return entry;
}

// The index.json header both generators write.
export function indexHeader({ tf, generator, source, seed, scale, mean }) {
  return {
    format: 1,
    generator,
    source,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    seed,
    layout: 'NCHW float32 little-endian; input_S.rgb is HxWx3 uint8 RGB',
    preprocessing: { scale, mean, swap_rb: true,
      formula: 'x = pixel * scale - mean, computed as (pixel - mean/scale) * scale in float32' },
    cases: [],
  };
}

export function writeIndex(outDir, index) {
  const tmp = path.join(outDir, `index.json.tmp-${process.pid}`);
  fs.writeFileSync(tmp, `${JSON.stringify(index, null, 2)}\n`);
  fs.renameSync(tmp, path.join(outDir, 'index.json'));
}
