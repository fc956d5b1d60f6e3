// Reads a TF.js layers-format model: either the standard `model.json` + binary shards, or
// the nsfwjs packaging (`model.min.js`, a UMD module exporting {modelTopology,
// weightsManifest}, and `<shard>.min.js` modules exporting the shard bytes as base64).
// Shared by the converter and by the conversion test's reference generator.

import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

// Evaluates a UMD/CommonJS bundle in an empty sandbox and returns its module.exports.
// The bundles are data (a JSON object, a base64 string) wrapped in browserify glue.
function loadUmdModule(file) {
  const module = { exports: {} };
  vm.runInNewContext(fs.readFileSync(file, 'utf8'), { module, exports: module.exports },
    { filename: file, timeout: 60000 });
  return module.exports;
}

function shardBytes(dir, shardPath) {
  const plain = path.join(dir, shardPath);
  if (fs.existsSync(plain)) return fs.readFileSync(plain);
  const js = path.join(dir, `${shardPath}.min.js`);
  if (fs.existsSync(js)) {
    const exported = loadUmdModule(js);
    const value = exported && exported.default !== undefined ? exported.default : exported;
    if (typeof value === 'string') {
      // nsfwjs 4.x: base64 (its loader calls Buffer.from(s, "base64")).
      if (!/^[A-Za-z0-9+/=\s]*$/.test(value)) throw new Error(`${js}: shard string is not base64`);
      return Buffer.from(value, 'base64');
    }
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) return Buffer.from(value);
    throw new Error(`${js}: unexpected shard export of type ${typeof value}`);
  }
  throw new Error(`weight shard '${shardPath}' not found in ${dir} (looked for ${plain} and ${js})`);
}

// Returns {topology, weightSpecs, weightData} where weightData is the concatenation of all
// shards in manifest order (the layout TF.js uses).
export function loadTfjsModel(dir) {
  let json;
  if (fs.existsSync(path.join(dir, 'model.json'))) {
    json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  } else if (fs.existsSync(path.join(dir, 'model.min.js'))) {
    json = loadUmdModule(path.join(dir, 'model.min.js'));
  } else {
    throw new Error(`no model.json or model.min.js in ${dir}`);
  }
  if (!json || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${dir}: not a TF.js layers model (no modelTopology/weightsManifest)`);
  }
  const weightSpecs = [];
  const buffers = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(shardBytes(dir, p));
  }
  return { topology: json.modelTopology, weightSpecs, weightData: Buffer.concat(buffers) };
}

const kBytesPerValue = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

// Decodes every weight to float32: Map name -> {shape, values: Float32Array}. Quantised
// weights dequantise as TF.js does: value = q * scale + min, rounded to float32.
export function decodeWeights(weightSpecs, weightData) {
  const out = new Map();
  let offset = 0;
  for (const spec of weightSpecs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    const storedType = q ? q.dtype : spec.dtype;
    if (!kBytesPerValue[storedType]) throw new Error(`weight ${spec.name}: unsupported dtype ${storedType}`);
    const size = count * kBytesPerValue[storedType];
    if (offset + size > weightData.length) {
      throw new Error(`weight ${spec.name}: shard data ends at ${weightData.length}, need ${offset + size}`);
    }
    const bytes = weightData.subarray(offset, offset + size);
    const values = new Float32Array(count);
    if (q && (q.dtype === 'uint8' || q.dtype === 'uint16')) {
      for (let i = 0; i < count; i++) {
        const v = q.dtype === 'uint8' ? bytes[i] : bytes.readUInt16LE(2 * i);
        values[i] = v * q.scale + q.min;
      }
    } else if (q) {
      throw new Error(`weight ${spec.name}: quantization dtype ${q.dtype} not supported`);
    } else if (spec.dtype === 'float32') {
      for (let i = 0; i < count; i++) values[i] = bytes.readFloatLE(4 * i);
    } else if (spec.dtype === 'int32') {
      for (let i = 0; i < count; i++) values[i] = bytes.readInt32LE(4 * i);
    } else {
      throw new Error(`weight ${spec.name}: dtype ${spec.dtype} not supported`);
    }
    out.set(spec.name, { shape: spec.shape, values });
    offset += size;
  }
  if (offset !== weightData.length) {
    throw new Error(`weight data has ${weightData.length} bytes, manifest describes ${offset}`);
  }
  return out;
}

// The Keras model config ({class_name, config}) inside a TF.js modelTopology.
export function kerasModelConfig(topology) {
  return topology.model_config || topology;
}

// Flattens a Keras functional or Sequential config into
// [{name, className, config, inbound: [layerName...]}] plus the input layer name.
export function kerasLayers(topology) {
  const mc = kerasModelConfig(topology);
  const cfg = mc.config;
  if (mc.class_name === 'Sequential') {
    const list = Array.isArray(cfg) ? cfg : cfg.layers;
    const layers = [];
    const first = list[0].config;
    if (list[0].class_name !== 'InputLayer') {
      layers.push({ name: 'input_1', className: 'InputLayer',
        config: { batch_input_shape: first.batch_input_shape, name: 'input_1' }, inbound: [] });
    }
    for (const l of list) {
      const prev = layers.length ? [layers[layers.length - 1].name] : [];
      layers.push({ name: l.config.name, className: l.class_name, config: l.config, inbound: prev });
    }
    return layers;
  }
  if (mc.class_name !== 'Model' && mc.class_name !== 'Functional') {
    throw new Error(`unsupported Keras model class ${mc.class_name}`);
  }
  return cfg.layers.map((l) => {
    const nodes = l.inbound_nodes || [];
    if (nodes.length > 1) throw new Error(`layer ${l.name} is shared (${nodes.length} inbound nodes): unsupported`);
    const inbound = nodes.length ? nodes[0].map((t) => {
      if (t[1] !== 0 || t[2] !== 0) throw new Error(`layer ${l.name}: multi-node/multi-output inputs unsupported`);
      return t[0];
    }) : [];
    return { name: l.name, className: l.class_name, config: l.config, inbound };
  });
}
