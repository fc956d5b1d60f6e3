#!/usr/bin/env node
// Reference activations for the backbone conversion test, computed by TF.js itself (pure-JS
// CPU backend) from the original TF.js layers model, on a deterministic input.
//
//   node reference.mjs --model-dir DIR --out-dir DIR [--npm-dir DIR] [--sizes 224,300,320,448]
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
import { fileURLToPath } from 'node:url';
import { kerasLayers, kerasModelConfig, loadTfjsModel } from '../../tools/tfjs_to_onnx/tfjs_model.mjs';
import { indexHeader, loadTf, writeCase, writeIndex } from './reference_common.mjs';

const kRepoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function parseArgs(argv) {
  const args = {
    npmDir: path.join(kRepoRoot, 'var/npm-test'),
    sizes: [224, 300, 320, 448],  // 300: odd feature-map sizes (75, 19, ...)
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

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { tf, tfl } = await loadTf(args.npmDir);
  const model = loadTfjsModel(args.modelDir);
  const weightData = model.weightData.buffer.slice(model.weightData.byteOffset,
    model.weightData.byteOffset + model.weightData.byteLength);
  fs.mkdirSync(args.outDir, { recursive: true });
  const index = indexHeader({ tf, generator: 'tests/backbone/reference.mjs',
    source: args.source || path.resolve(args.modelDir), seed: args.seed, scale: args.scale, mean: args.mean });
  for (const size of args.sizes) {
    const t0 = Date.now();
    // A model per size: TF.js checks the input shape against batch_input_shape.
    const net = await tfl.loadLayersModel(tf.io.fromMemory({
      modelTopology: cutTopology(model.topology, args.layers, size),
      weightSpecs: model.weightSpecs, weightData,
    }), { strict: false });
    const entry = writeCase({ tf, net, layers: args.layers, size, seed: args.seed, scale: args.scale,
      mean: args.mean, outDir: args.outDir });
    net.dispose();
    index.cases.push(entry);
    process.stderr.write(`reference: ${size}x${size}: ${args.layers.map((n) => `${n} ${entry.outputs[n].shape.join('x')}`)
      .join(', ')} (${Date.now() - t0} ms)\n`);
  }
  writeIndex(args.outDir, index);
}

main().catch((e) => {
  process.stderr.write(`reference: error: ${e.stack || e.message}\n`);
  process.exit(1);
});
