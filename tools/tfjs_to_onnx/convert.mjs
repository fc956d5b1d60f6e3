#!/usr/bin/env node
// Converts a TF.js Keras layers model (channels_last) into an ONNX opset-10 graph in NCHW
// that OpenCV 4.6's cv::dnn::readNetFromONNX accepts. No npm dependencies: the protobuf is
// written by hand (onnx_proto.mjs).
//
//   node convert.mjs --model-dir DIR --out FILE.onnx [--outputs a,b,c] [--input-size N]
//
// --model-dir   folder with model.json (+ shards) or nsfwjs' model.min.js (+ *.min.js shards)
// --outputs     Keras layer names that become graph outputs (ONNX names = layer names); the
//               graph is pruned to what they need. Default: block_10_project_BN,block_12_add,out_relu
// --input-size  N: fixed N x N input. Default: symbolic height/width ("dynamic"); 'same'
//               padding of strided layers is then computed for the model's own input size.
// --input-name  graph input name (default "input"), shape [1, 3, H, W]
//
// Opset-10 forms on purpose: Clip with min/max attributes, Pad with a pads attribute.
// BatchNormalization that directly follows a convolution is folded into it.

import fs from 'node:fs';
import path from 'node:path';
import { decodeWeights, kerasLayers, loadTfjsModel } from './tfjs_model.mjs';
import * as onnx from './onnx_proto.mjs';

const kDefaultOutputs = ['block_10_project_BN', 'block_12_add', 'out_relu'];
const kOpsetVersion = 10;
const kIrVersion = 5;
const kConverterVersion = '1';

const kIdentityLayers = new Set(['Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

function fail(message) {
  throw new Error(message);
}

function pair(v) {
  return Array.isArray(v) ? v : [v, v];
}

function checkChannelsLast(layer) {
  const df = layer.config.data_format;
  if (df && df !== 'channels_last') fail(`layer ${layer.name}: data_format ${df} unsupported (channels_last only)`);
}

// Keras layers in topological order, restricted to what `outputs` need.
function pruneAndSort(layers, outputs) {
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const o of outputs) {
    if (!byName.has(o)) {
      fail(`unknown output layer '${o}'. Layers: ${layers.map((l) => l.name).join(', ')}`);
    }
  }
  const order = [];
  const state = new Map();  // name -> 1 visiting, 2 done
  const visit = (name) => {
    if (state.get(name) === 2) return;
    if (state.get(name) === 1) fail(`cycle at layer ${name}`);
    state.set(name, 1);
    const layer = byName.get(name);
    if (!layer) fail(`layer ${name} is referenced but not defined`);
    for (const i of layer.inbound) visit(i);
    state.set(name, 2);
    order.push(layer);
  };
  for (const o of outputs) visit(o);
  return order;
}

class Converter {
  constructor({ layers, weights, outputs, inputSize, inputName, warn }) {
    this.weights = weights;
    this.outputs = outputs;
    this.fixedSize = inputSize;  // number or null (dynamic)
    this.inputName = inputName;
    this.warn = warn;
    this.layers = pruneAndSort(layers, outputs);
    this.nodes = [];
    this.initializers = [];
    this.tensorOf = new Map();  // Keras layer -> ONNX tensor name carrying its output
    this.shapeOf = new Map();   // ONNX tensor -> {rank:4,c,h,w} | {rank:2,c}
    this.usedNames = new Set();
    this.foldedBn = new Map();  // BN layer name -> conv layer folded into
    this.inputShape = null;
    this.planFolding();
  }

  planFolding() {
    const consumers = new Map();
    for (const l of this.layers) {
      for (const i of l.inbound) consumers.set(i, [...(consumers.get(i) || []), l]);
    }
    for (const l of this.layers) {
      if (l.className !== 'Conv2D' && l.className !== 'DepthwiseConv2D') continue;
      const c = consumers.get(l.name) || [];
      const act = l.config.activation || 'linear';
      if (c.length !== 1 || c[0].className !== 'BatchNormalization' || act !== 'linear') continue;
      if (this.outputs.includes(l.name) || !this.isChannelAxis(c[0].config.axis, 4)) continue;
      this.foldedBn.set(c[0].name, l.name);
    }
  }

  isChannelAxis(axis, rank) {
    const a = Array.isArray(axis) ? (axis.length === 1 ? axis[0] : NaN) : (axis ?? -1);
    return a === -1 || a === rank - 1;
  }

  weight(layer, param, required = true) {
    const exact = this.weights.get(`${layer}/${param}`);
    if (exact) return exact;
    for (const [k, v] of this.weights) if (k.endsWith(`/${layer}/${param}`)) return v;
    if (required) fail(`weight ${layer}/${param} missing from the weights manifest`);
    return null;
  }

  addInitializer(name, dims, values) {
    this.initializers.push(onnx.tensorProto(name, dims, values));
    return name;
  }

  emit(opType, inputs, output, shape, attrs = {}) {
    if (this.usedNames.has(output)) fail(`tensor name collision: ${output}`);
    this.usedNames.add(output);
    this.nodes.push(onnx.nodeProto({ opType, inputs, outputs: [output], name: output, attrs }));
    this.shapeOf.set(output, shape);
    return output;
  }

  input(layer, i = 0) {
    const t = this.tensorOf.get(layer.inbound[i]);
    if (t === undefined) fail(`layer ${layer.name}: input ${layer.inbound[i]} has no tensor (folded?)`);
    return t;
  }

  // Explicit [top, left, bottom, right] pads for Keras 'valid'/'same'. TF's 'same' puts the
  // odd extra pixel at the bottom/right, which ONNX pads express exactly.
  pads(layer, padding, shape, kernel, strides, dilations) {
    if (padding === 'valid') return [0, 0, 0, 0];
    if (padding !== 'same') fail(`layer ${layer.name}: padding '${padding}' unsupported`);
    const begin = [];
    const end = [];
    [shape.h, shape.w].forEach((n, i) => {
      const kEff = (kernel[i] - 1) * dilations[i] + 1;
      const out = Math.ceil(n / strides[i]);
      const total = Math.max((out - 1) * strides[i] + kEff - n, 0);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
      if (strides[i] > 1 && this.fixedSize === null) {
        this.warn(`layer ${layer.name}: 'same' padding with stride ${strides[i]} computed for ` +
          `${n} px here; other input sizes may need other pads (use --input-size)`);
      }
    });
    return [begin[0], begin[1], end[0], end[1]];
  }

  static spatialOut(n, pb, pe, k, s, d) {
    return Math.floor((n + pb + pe - ((k - 1) * d + 1)) / s) + 1;
  }

  activation(layer, act, input, output) {
    const shape = this.shapeOf.get(input);
    switch (act || 'linear') {
      case 'linear': return input;
      case 'relu': return this.emit('Relu', [input], output, shape);
      case 'relu6': return this.emit('Clip', [input], output, shape, { min: { float: 0 }, max: { float: 6 } });
      case 'sigmoid': return this.emit('Sigmoid', [input], output, shape);
      case 'tanh': return this.emit('Tanh', [input], output, shape);
      case 'elu': return this.emit('Elu', [input], output, shape, { alpha: { float: 1 } });
      case 'softplus': return this.emit('Softplus', [input], output, shape);
      case 'swish': {
        const s = this.emit('Sigmoid', [input], `${output}/sigmoid`, shape);
        return this.emit('Mul', [input, s], output, shape);
      }
      case 'softmax':
        if (shape.rank !== 2) fail(`layer ${layer.name}: softmax on a 4-D tensor unsupported`);
        return this.emit('Softmax', [input], output, shape, { axis: 1 });
      default: return fail(`layer ${layer.name}: activation '${act}' unsupported`);
    }
  }

  convertInput(layer) {
    const s = layer.config.batch_input_shape;
    if (!s || s.length !== 4) fail(`input ${layer.name}: expected a 4-D batch_input_shape, got ${JSON.stringify(s)}`);
    if (this.inputShape) fail('models with several inputs are unsupported');
    const nominal = this.fixedSize ?? s[1] ?? 224;
    const nominalW = this.fixedSize ?? s[2] ?? 224;
    this.inputShape = { rank: 4, c: s[3], h: nominal, w: nominalW };
    this.shapeOf.set(this.inputName, this.inputShape);
    this.usedNames.add(this.inputName);
    return this.inputName;
  }

  convertConv(layer) {
    checkChannelsLast(layer);
    const cfg = layer.config;
    const x = this.input(layer);
    const xs = this.shapeOf.get(x);
    if (xs.rank !== 4) fail(`layer ${layer.name}: needs a 4-D input`);
    const [kh, kw] = pair(cfg.kernel_size);
    const strides = pair(cfg.strides || 1);
    const dil = pair(cfg.dilation_rate || 1);
    const depthwise = layer.className === 'DepthwiseConv2D';
    let w;
    let co;
    let ciPerGroup;
    let group;
    if (depthwise) {
      const k = this.weight(layer.name, 'depthwise_kernel');
      const [, , ci, mult] = k.shape;
      if (ci !== xs.c) fail(`layer ${layer.name}: kernel expects ${ci} channels, input has ${xs.c}`);
      co = ci * mult;
      ciPerGroup = 1;
      group = ci;
      // [kh, kw, ci, mult] -> [ci*mult, 1, kh, kw]; output channel c*mult + m, as Keras.
      w = new Float64Array(co * kh * kw);
      for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) for (let c = 0; c < ci; c++) {
        for (let m = 0; m < mult; m++) {
          w[((c * mult + m) * kh + y) * kw + xx] = k.values[((y * kw + xx) * ci + c) * mult + m];
        }
      }
    } else {
      const k = this.weight(layer.name, 'kernel');
      group = cfg.groups || 1;
      [, , ciPerGroup, co] = k.shape;
      if (ciPerGroup * group !== xs.c) fail(`layer ${layer.name}: kernel expects ${ciPerGroup * group} channels, input has ${xs.c}`);
      // [kh, kw, ci, co] -> [co, ci, kh, kw]
      w = new Float64Array(co * ciPerGroup * kh * kw);
      for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) for (let c = 0; c < ciPerGroup; c++) {
        for (let o = 0; o < co; o++) {
          w[((o * ciPerGroup + c) * kh + y) * kw + xx] = k.values[((y * kw + xx) * ciPerGroup + c) * co + o];
        }
      }
    }
    const b = new Float64Array(co);
    const hasBias = cfg.use_bias !== false;
    if (hasBias) this.weight(layer.name, 'bias').values.forEach((v, i) => { b[i] = v; });

    // Fold a following BatchNormalization: w' = w * s, b' = (b - mean) * s + beta,
    // s = gamma / sqrt(var + eps).
    let outName = layer.name;
    const bnName = [...this.foldedBn].find(([, conv]) => conv === layer.name)?.[0];
    if (bnName) {
      const bn = this.bnParams(bnName, co);
      const per = w.length / co;
      for (let o = 0; o < co; o++) {
        const s = bn.gamma[o] / Math.sqrt(bn.variance[o] + bn.epsilon);
        for (let i = 0; i < per; i++) w[o * per + i] *= s;
        b[o] = (b[o] - bn.mean[o]) * s + bn.beta[o];
      }
      outName = bnName;
    }
    const pads = this.pads(layer, cfg.padding, xs, [kh, kw], strides, dil);
    const shape = {
      rank: 4, c: co,
      h: Converter.spatialOut(xs.h, pads[0], pads[2], kh, strides[0], dil[0]),
      w: Converter.spatialOut(xs.w, pads[1], pads[3], kw, strides[1], dil[1]),
    };
    const inputs = [x, this.addInitializer(`${outName}/W`, [co, ciPerGroup, kh, kw], w)];
    if (hasBias || bnName) inputs.push(this.addInitializer(`${outName}/B`, [co], b));
    const act = cfg.activation || 'linear';
    const convOut = act === 'linear' ? outName : `${outName}/preact`;
    this.emit('Conv', inputs, convOut, shape, {
      kernel_shape: [kh, kw], strides, pads, dilations: dil, group,
    });
    const y = this.activation(layer, act, convOut, outName);
    if (bnName) {
      this.tensorOf.set(bnName, y);
      return undefined;  // the conv's own output no longer exists
    }
    return y;
  }

  bnParams(name, channels) {
    const layer = this.layers.find((l) => l.name === name);
    const cfg = layer.config;
    const get = (p, fallback) => {
      if (cfg[p === 'gamma' ? 'scale' : 'center'] === false) return new Float32Array(channels).fill(fallback);
      return this.weight(name, p).values;
    };
    const r = {
      gamma: get('gamma', 1), beta: get('beta', 0),
      mean: this.weight(name, 'moving_mean').values,
      variance: this.weight(name, 'moving_variance').values,
      epsilon: cfg.epsilon ?? 1e-3,
    };
    for (const k of ['gamma', 'beta', 'mean', 'variance']) {
      if (r[k].length !== channels) fail(`layer ${name}: ${k} has ${r[k].length} values, expected ${channels}`);
    }
    return r;
  }

  convertBatchNorm(layer) {
    const x = this.input(layer);
    const xs = this.shapeOf.get(x);
    if (!this.isChannelAxis(layer.config.axis, xs.rank)) fail(`layer ${layer.name}: only channel-axis batch norm supported`);
    const p = this.bnParams(layer.name, xs.c);
    const n = layer.name;
    return this.emit('BatchNormalization', [x,
      this.addInitializer(`${n}/gamma`, [xs.c], p.gamma), this.addInitializer(`${n}/beta`, [xs.c], p.beta),
      this.addInitializer(`${n}/moving_mean`, [xs.c], p.mean),
      this.addInitializer(`${n}/moving_variance`, [xs.c], p.variance)],
    n, xs, { epsilon: { float: p.epsilon } });
  }

  convertReLU(layer) {
    const cfg = layer.config;
    const x = this.input(layer);
    const xs = this.shapeOf.get(x);
    const slope = cfg.negative_slope || 0;
    const threshold = cfg.threshold || 0;
    const max = cfg.max_value ?? null;
    if (threshold !== 0) fail(`layer ${layer.name}: ReLU threshold ${threshold} unsupported`);
    if (max !== null && slope === 0) {
      return this.emit('Clip', [x], layer.name, xs, { min: { float: 0 }, max: { float: max } });
    }
    if (max === null && slope === 0) return this.emit('Relu', [x], layer.name, xs);
    if (max === null) return this.emit('LeakyRelu', [x], layer.name, xs, { alpha: { float: slope } });
    return fail(`layer ${layer.name}: ReLU with both max_value and negative_slope unsupported`);
  }

  convertZeroPadding(layer) {
    checkChannelsLast(layer);
    const x = this.input(layer);
    const xs = this.shapeOf.get(x);
    let p = layer.config.padding;
    if (typeof p === 'number') p = [[p, p], [p, p]];
    else if (typeof p[0] === 'number') p = [[p[0], p[0]], [p[1], p[1]]];
    const [[t, bt], [l, r]] = p;
    return this.emit('Pad', [x], layer.name, { rank: 4, c: xs.c, h: xs.h + t + bt, w: xs.w + l + r },
      { mode: 'constant', pads: [0, 0, t, l, 0, 0, bt, r], value: { float: 0 } });
  }

  convertPool(layer) {
    checkChannelsLast(layer);
    const cfg = layer.config;
    const x = this.input(layer);
    const xs = this.shapeOf.get(x);
    const k = pair(cfg.pool_size || 2);
    const s = pair(cfg.strides || k);
    const pads = this.pads(layer, cfg.padding || 'valid', xs, k, s, [1, 1]);
    const op = layer.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
    if (op === 'AveragePool' && pads.some((v) => v > 0)) {
      this.warn(`layer ${layer.name}: padded average pooling; OpenCV may count padded pixels`);
    }
    return this.emit(op, [x], layer.name, {
      rank: 4, c: xs.c,
      h: Converter.spatialOut(xs.h, pads[0], pads[2], k[0], s[0], 1),
      w: Converter.spatialOut(xs.w, pads[1], pads[3], k[1], s[1], 1),
    }, { kernel_shape: k, strides: s, pads });
  }

  convertGlobalPool(layer) {
    checkChannelsLast(layer);
    const x = this.input(layer);
    const xs = this.shapeOf.get(x);
    const op = layer.className === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool';
    if (layer.config.keepdims) return this.emit(op, [x], layer.name, { rank: 4, c: xs.c, h: 1, w: 1 });
    const pooled = this.emit(op, [x], `${layer.name}/pooled`, { rank: 4, c: xs.c, h: 1, w: 1 });
    return this.emit('Flatten', [pooled], layer.name, { rank: 2, c: xs.c }, { axis: 1 });
  }

  convertFlatten(layer) {
    const x = this.input(layer);
    const xs = this.shapeOf.get(x);
    if (xs.rank === 2) return x;
    // Keras flattens in H, W, C order: go back to NHWC first.
    const nhwc = this.emit('Transpose', [x], `${layer.name}/nhwc`, xs, { perm: [0, 2, 3, 1] });
    return this.emit('Flatten', [nhwc], layer.name, { rank: 2, c: xs.c * xs.h * xs.w }, { axis: 1 });
  }

  convertDense(layer) {
    const x = this.input(layer);
    const xs = this.shapeOf.get(x);
    if (xs.rank !== 2) fail(`layer ${layer.name}: Dense on a 4-D tensor unsupported (add Flatten)`);
    const k = this.weight(layer.name, 'kernel');
    const [fin, fout] = k.shape;
    if (fin !== xs.c) fail(`layer ${layer.name}: kernel expects ${fin} features, input has ${xs.c}`);
    const bias = layer.config.use_bias !== false ? this.weight(layer.name, 'bias').values : new Float32Array(fout);
    const act = layer.config.activation || 'linear';
    const out = act === 'linear' ? layer.name : `${layer.name}/preact`;
    // B as [out, in] with an explicit transB=1: OpenCV 4.6 assumes transB=1 unless the
    // attribute is present, and mis-sizes the layer for transB=0.
    const kt = new Float32Array(fin * fout);
    for (let i = 0; i < fin; i++) for (let o = 0; o < fout; o++) kt[o * fin + i] = k.values[i * fout + o];
    this.emit('Gemm', [x, this.addInitializer(`${layer.name}/kernel`, [fout, fin], kt),
      this.addInitializer(`${layer.name}/bias`, [fout], bias)], out, { rank: 2, c: fout }, { transB: 1 });
    return this.activation(layer, act, out, layer.name);
  }

  convertMerge(layer) {
    const xs = layer.inbound.map((_, i) => this.input(layer, i));
    const shapes = xs.map((t) => this.shapeOf.get(t));
    const s0 = shapes[0];
    if (layer.className === 'Concatenate') {
      let axis = layer.config.axis ?? -1;
      if (axis < 0) axis += s0.rank;
      const onnxAxis = s0.rank === 4 ? [0, 2, 3, 1][axis] : axis;
      if (onnxAxis !== 1) fail(`layer ${layer.name}: only channel concatenation supported`);
      return this.emit('Concat', xs, layer.name, { ...s0, c: shapes.reduce((a, s) => a + s.c, 0) }, { axis: 1 });
    }
    for (const s of shapes) {
      if (s.c !== s0.c || s.h !== s0.h || s.w !== s0.w) fail(`layer ${layer.name}: inputs differ in shape`);
    }
    const op = { Add: 'Add', Multiply: 'Mul', Subtract: 'Sub', Maximum: 'Max' }[layer.className];
    if (xs.length === 2 || op === 'Max') return this.emit(op, xs, layer.name, s0);
    if (op === 'Add') return this.emit('Sum', xs, layer.name, s0);
    let acc = xs[0];
    for (let i = 1; i < xs.length; i++) {
      acc = this.emit(op, [acc, xs[i]], i === xs.length - 1 ? layer.name : `${layer.name}/${i}`, s0);
    }
    return acc;
  }

  convertLayer(layer) {
    switch (layer.className) {
      case 'InputLayer': return this.convertInput(layer);
      case 'Conv2D':
      case 'DepthwiseConv2D': return this.convertConv(layer);
      case 'BatchNormalization':
        return this.foldedBn.has(layer.name) ? this.tensorOf.get(layer.name) : this.convertBatchNorm(layer);
      case 'ReLU': return this.convertReLU(layer);
      case 'LeakyReLU': return this.emit('LeakyRelu', [this.input(layer)], layer.name,
        this.shapeOf.get(this.input(layer)), { alpha: { float: layer.config.alpha ?? 0.3 } });
      case 'Activation': return this.activation(layer, layer.config.activation, this.input(layer), layer.name);
      case 'Softmax': return this.activation(layer, 'softmax', this.input(layer), layer.name);
      case 'Add':
      case 'Multiply':
      case 'Subtract':
      case 'Maximum':
      case 'Concatenate': return this.convertMerge(layer);
      case 'ZeroPadding2D': return this.convertZeroPadding(layer);
      case 'AveragePooling2D':
      case 'MaxPooling2D': return this.convertPool(layer);
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': return this.convertGlobalPool(layer);
      case 'Flatten': return this.convertFlatten(layer);
      case 'Dense': return this.convertDense(layer);
      default:
        if (kIdentityLayers.has(layer.className)) return this.input(layer);
        return fail(`layer ${layer.name}: Keras layer class ${layer.className} unsupported`);
    }
  }

  convert() {
    for (const layer of this.layers) {
      const t = this.convertLayer(layer);
      if (t !== undefined) this.tensorOf.set(layer.name, t);
    }
    if (!this.inputShape) fail('the requested outputs do not depend on an InputLayer');
    // Outputs carried by an alias (Dropout, linear Activation, ...) get a named Identity.
    for (const o of this.outputs) {
      const t = this.tensorOf.get(o);
      if (t !== o) this.emit('Identity', [t], o, this.shapeOf.get(t));
    }
    const dyn = this.fixedSize === null;
    const outInfo = this.outputs.map((o) => {
      const s = this.shapeOf.get(o);
      return onnx.valueInfoProto(o, s.rank === 2 ? [1, s.c] : [1, s.c, dyn ? null : s.h, dyn ? null : s.w]);
    });
    const inInfo = onnx.valueInfoProto(this.inputName,
      [1, this.inputShape.c, dyn ? 'height' : this.inputShape.h, dyn ? 'width' : this.inputShape.w]);
    return {
      graph: onnx.graphProto({
        name: 'tfjs_to_onnx', nodes: this.nodes, initializers: this.initializers, inputs: [inInfo], outputs: outInfo,
      }),
      shapes: this.outputs.map((o) => ({ name: o, ...this.shapeOf.get(o) })),
    };
  }
}

function parseArgs(argv) {
  const args = { outputs: kDefaultOutputs, inputSize: null, inputName: 'input' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--model-dir') args.modelDir = value();
    else if (a === '--out') args.out = value();
    else if (a === '--outputs') args.outputs = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--input-name') args.inputName = value();
    else if (a === '--input-size') {
      const v = value();
      args.inputSize = v === 'dynamic' ? null : Number.parseInt(v, 10);
      if (args.inputSize !== null && !(args.inputSize > 0)) fail(`bad --input-size ${v}`);
    } else if (a === '-h' || a === '--help') args.help = true;
    else fail(`unknown argument ${a}`);
  }
  return args;
}

export function convert({ modelDir, outputs = kDefaultOutputs, inputSize = null, inputName = 'input',
  warn = () => {} }) {
  const model = loadTfjsModel(modelDir);
  const weights = decodeWeights(model.weightSpecs, model.weightData);
  const layers = kerasLayers(model.topology);
  const conv = new Converter({ layers, weights, outputs, inputSize, inputName, warn });
  const { graph, shapes } = conv.convert();
  const bytes = onnx.modelProto({
    graph, irVersion: kIrVersion, opsetVersion: kOpsetVersion,
    producerName: 'labelloop-tfjs_to_onnx', producerVersion: kConverterVersion,
    docString: `Converted from ${path.basename(path.resolve(modelDir))}; outputs ${outputs.join(',')}`,
  });
  return { bytes, shapes, nodeCount: conv.nodes.length, foldedBn: conv.foldedBn.size };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help || !args.modelDir || !args.out) {
    process.stderr.write('usage: node convert.mjs --model-dir DIR --out FILE.onnx [--outputs a,b] ' +
      '[--input-size N|dynamic] [--input-name input]\n');
    process.exit(args.help ? 0 : 2);
  }
  const warn = (m) => process.stderr.write(`tfjs_to_onnx: warning: ${m}\n`);
  const r = convert({ ...args, warn });
  fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
  const tmp = `${args.out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, r.bytes);
  fs.renameSync(tmp, args.out);
  const size = args.inputSize ? `${args.inputSize}x${args.inputSize}` : 'dynamic';
  process.stderr.write(`tfjs_to_onnx: wrote ${args.out} (${r.bytes.length} bytes, ${r.nodeCount} nodes, ` +
    `${r.foldedBn} batch norms folded, input ${size})\n`);
  for (const s of r.shapes) {
    process.stderr.write(`tfjs_to_onnx:   output ${s.name}: ${s.rank === 2 ? `[${s.c}]` : `[${s.c}, ${s.h}, ${s.w}]`}` +
      `${args.inputSize ? '' : ' at the model\'s nominal input size'}\n`);
  }
}

if (import.meta.url === `file://${path.resolve(process.argv[1] || '')}`) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`tfjs_to_onnx: error: ${e.message}\n`);
    process.exit(1);
  }
}
