#!/usr/bin/env node
// Converter coverage beyond MobileNetV2: builds a small Keras model in TF.js with every
// layer kind tools/tfjs_to_onnx handles (stride-2 'same' convolutions and pooling, whose
// TF padding is asymmetric; depth multiplier; dilation; standalone batch norm; concat;
// flatten + dense; activations; dropout as an output), saves it in the standard TF.js
// layers format, converts it with convert.mjs, and records TF.js activations.
//
//   node synthetic.mjs --out-dir DIR [--npm-dir DIR]
//
// Writes DIR/model_S/ (model.json + weights.bin), DIR/synthetic_S.onnx and the same case
// files and index.json as reference.mjs; each case names its "onnx". Sizes 64 and 63: the
// odd size changes the 'same' pads of the first strided layer.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { convert } from '../../tools/tfjs_to_onnx/convert.mjs';
import { indexHeader, loadTf, prng, writeCase, writeIndex } from './reference_common.mjs';

const kRepoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const kSizes = [64, 63];
const kSeed = 7;
const kScale = 1 / 127.5;
const kMean = 1;
export const kOutputs = ['conv_s2_same', 'dw_bn', 'add', 'bn_alone', 'leaky', 'maxpool_same', 'dilated_sigmoid',
  'concat', 'relu_max6', 'avgpool', 'zeropad', 'gap', 'dense_tanh', 'dropout', 'softmax'];

function build(tfl, size) {
  const L = tfl.layers;
  const x = tfl.input({ shape: [size, size, 3], name: 'input_1' });
  const a = L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv_s2_same' }).apply(x);
  const b0 = L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, useBias: true, name: 'dw_s2_same' }).apply(a);
  const b = L.batchNormalization({ name: 'dw_bn' }).apply(b0);  // folded into dw_s2_same
  const c = L.activation({ activation: 'relu6', name: 'act_relu6' }).apply(b);
  const d = L.conv2d({ filters: 16, kernelSize: 1, useBias: false, name: 'pw' }).apply(c);
  const e = L.add({ name: 'add' }).apply([c, d]);
  const f = L.batchNormalization({ name: 'bn_alone', epsilon: 0.01 }).apply(e);  // not after a conv
  const g = L.leakyReLU({ alpha: 0.1, name: 'leaky' }).apply(f);
  const h = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxpool_same' }).apply(g);
  const j = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'sigmoid', name: 'dilated_sigmoid' }).apply(h);
  const k = L.concatenate({ name: 'concat' }).apply([h, j]);
  const r = L.reLU({ maxValue: 6, name: 'relu_max6' }).apply(k);
  const gap = L.globalAveragePooling2d({ name: 'gap' }).apply(r);
  const dt = L.dense({ units: 6, activation: 'tanh', name: 'dense_tanh' }).apply(gap);
  const ap = L.averagePooling2d({ poolSize: 2, name: 'avgpool' }).apply(h);
  const zp = L.zeroPadding2d({ padding: [[1, 2], [0, 1]], name: 'zeropad' }).apply(ap);
  const fl = L.flatten({ name: 'flatten' }).apply(ap);  // H, W > 1: tests Keras' HWC order
  const dr = L.dropout({ rate: 0.5, name: 'dropout' }).apply(fl);
  const df = L.dense({ units: 3, name: 'dense_after_flatten' }).apply(dr);
  const sm = L.activation({ activation: 'softmax', name: 'softmax' }).apply(df);
  const byName = { conv_s2_same: a, dw_bn: b, add: e, bn_alone: f, leaky: g, maxpool_same: h, dilated_sigmoid: j,
    concat: k, relu_max6: r, avgpool: ap, zeropad: zp, gap, dense_tanh: dt, dropout: dr, softmax: sm };
  return tfl.model({ inputs: x, outputs: kOutputs.map((n) => byName[n]), name: 'synthetic' });
}

// Deterministic, non-trivial weights (batch-norm statistics included).
function setWeights(tf, net) {
  const rnd = prng(kSeed);
  const u = (lo, hi) => lo + (hi - lo) * rnd();
  net.setWeights(net.weights.map((w) => {
    const n = w.shape.reduce((p, q) => p * q, 1);
    const name = w.originalName || w.name;
    const gen = name.endsWith('gamma') ? () => u(0.5, 1.5)
      : name.endsWith('beta') ? () => u(-0.2, 0.2)
        : name.endsWith('moving_mean') ? () => u(-0.3, 0.3)
          : name.endsWith('moving_variance') ? () => u(0.2, 1.2)
            : name.endsWith('bias') ? () => u(-0.1, 0.1)
              : () => u(-0.4, 0.4);
    return tf.tensor(Float32Array.from({ length: n }, gen), w.shape);
  }));
}

async function saveLayersModel(tf, net, dir) {
  let artifacts;
  await net.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData));
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
    format: 'layers-model', modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  }));
}

async function main() {
  const argv = process.argv.slice(2);
  const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const outDir = arg('--out-dir');
  if (!outDir) throw new Error('--out-dir is required');
  const { tf, tfl } = await loadTf(arg('--npm-dir', path.join(kRepoRoot, 'var/npm-test')));
  fs.mkdirSync(outDir, { recursive: true });
  const index = indexHeader({ tf, generator: 'tests/backbone/synthetic.mjs', source: 'synthetic Keras model',
    seed: kSeed, scale: kScale, mean: kMean });
  for (const size of kSizes) {
    const net = build(tfl, size);
    setWeights(tf, net);
    const modelDir = path.join(outDir, `model_${size}`);
    await saveLayersModel(tf, net, modelDir);
    const onnxFile = `synthetic_${size}.onnx`;
    const r = convert({ modelDir, outputs: kOutputs, inputSize: size,
      warn: (m) => process.stderr.write(`synthetic: converter warning: ${m}\n`) });
    fs.writeFileSync(path.join(outDir, onnxFile), r.bytes);
    const entry = writeCase({ tf, net, layers: kOutputs, size, seed: kSeed, scale: kScale, mean: kMean, outDir });
    index.cases.push({ onnx: onnxFile, ...entry });
    net.dispose();
    process.stderr.write(`synthetic: ${size}x${size}: ${kOutputs.length} outputs, ${r.nodeCount} ONNX nodes\n`);
  }
  writeIndex(outDir, index);
}

main().catch((e) => {
  process.stderr.write(`synthetic: error: ${e.stack || e.message}\n`);
  process.exit(1);
});
