// Minimal ONNX protobuf writer: just the messages a converted CNN needs (ModelProto,
// GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto), encoded by hand in
// the protobuf wire format so the converter needs no npm dependency.
// Field numbers are those of onnx/onnx.proto (IR version 5 / opset 10 era).

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

export const DataType = Object.freeze({ FLOAT: 1, INT64: 7 });

const AttrType = Object.freeze({ FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 });

// Varint of an int64 (negative values take 10 bytes, two's complement, as protobuf does).
function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    bytes.push(b);
  } while (v !== 0n);
  return Buffer.from(bytes);
}

function tag(field, wire) {
  return varint((field << 3) | wire);
}

function fieldVarint(field, value) {
  return Buffer.concat([tag(field, WIRE_VARINT), varint(value)]);
}

function fieldBytes(field, bytes) {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  return Buffer.concat([tag(field, WIRE_LEN), varint(buf.length), buf]);
}

function fieldFloat(field, value) {
  const b = Buffer.alloc(4);
  b.writeFloatLE(value, 0);
  return Buffer.concat([tag(field, WIRE_FIXED32), b]);
}

// TensorProto (float32 or int64) with the data in raw_data, little-endian.
export function tensorProto(name, dims, values, dataType = DataType.FLOAT) {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) {
    throw new Error(`tensor ${name}: ${values.length} values for dims [${dims}]`);
  }
  let raw;
  if (dataType === DataType.FLOAT) {
    const f = Float32Array.from(values);
    raw = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  } else if (dataType === DataType.INT64) {
    raw = Buffer.alloc(8 * count);
    values.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), 8 * i));
  } else {
    throw new Error(`tensor ${name}: unsupported data type ${dataType}`);
  }
  const parts = dims.map((d) => fieldVarint(1, d));
  parts.push(fieldVarint(2, dataType), fieldBytes(8, name), fieldBytes(9, raw));
  return Buffer.concat(parts);
}

// AttributeProto; the type is inferred from the JS value: integer -> INT, other number ->
// FLOAT, string -> STRING, array of integers -> INTS. Use {floats: [...]} / {float: x} to
// force float types.
export function attributeProto(name, value) {
  const parts = [fieldBytes(1, name)];
  if (typeof value === 'number' && Number.isInteger(value)) {
    parts.push(fieldVarint(20, AttrType.INT), fieldVarint(3, value));
  } else if (typeof value === 'number') {
    parts.push(fieldVarint(20, AttrType.FLOAT), fieldFloat(2, value));
  } else if (value && typeof value.float === 'number') {
    parts.push(fieldVarint(20, AttrType.FLOAT), fieldFloat(2, value.float));
  } else if (typeof value === 'string') {
    parts.push(fieldVarint(20, AttrType.STRING), fieldBytes(4, value));
  } else if (Array.isArray(value) && value.every(Number.isInteger)) {
    parts.push(fieldVarint(20, AttrType.INTS), ...value.map((v) => fieldVarint(8, v)));
  } else if (value && Array.isArray(value.floats)) {
    parts.push(fieldVarint(20, AttrType.FLOATS), ...value.floats.map((v) => fieldFloat(7, v)));
  } else {
    throw new Error(`attribute ${name}: unsupported value ${JSON.stringify(value)}`);
  }
  return Buffer.concat(parts);
}

// NodeProto. attrs: {name: value} as accepted by attributeProto.
export function nodeProto({ opType, inputs, outputs, name, attrs = {} }) {
  const parts = [];
  for (const i of inputs) parts.push(fieldBytes(1, i));
  for (const o of outputs) parts.push(fieldBytes(2, o));
  if (name) parts.push(fieldBytes(3, name));
  parts.push(fieldBytes(4, opType));
  for (const [k, v] of Object.entries(attrs)) parts.push(fieldBytes(5, attributeProto(k, v)));
  return Buffer.concat(parts);
}

// ValueInfoProto of a tensor. dims: number (fixed), string (symbolic), or null (unknown).
export function valueInfoProto(name, dims, elemType = DataType.FLOAT) {
  const dimMsgs = dims.map((d) => {
    if (d === null || d === undefined) return fieldBytes(1, Buffer.alloc(0));
    if (typeof d === 'string') return fieldBytes(1, fieldBytes(2, d));
    return fieldBytes(1, fieldVarint(1, d));
  });
  const shape = Buffer.concat(dimMsgs);
  const tensorType = Buffer.concat([fieldVarint(1, elemType), fieldBytes(2, shape)]);
  const typeProto = fieldBytes(1, tensorType);
  return Buffer.concat([fieldBytes(1, name), fieldBytes(2, typeProto)]);
}

// GraphProto from already-encoded parts.
export function graphProto({ name, nodes, initializers, inputs, outputs }) {
  const parts = [];
  for (const n of nodes) parts.push(fieldBytes(1, n));
  parts.push(fieldBytes(2, name));
  for (const t of initializers) parts.push(fieldBytes(5, t));
  for (const i of inputs) parts.push(fieldBytes(11, i));
  for (const o of outputs) parts.push(fieldBytes(12, o));
  return Buffer.concat(parts);
}

// ModelProto with one default-domain opset import.
export function modelProto({ graph, irVersion, opsetVersion, producerName, producerVersion, docString }) {
  const opset = Buffer.concat([fieldBytes(1, ''), fieldVarint(2, opsetVersion)]);
  const parts = [fieldVarint(1, irVersion), fieldBytes(2, producerName), fieldBytes(3, producerVersion)];
  if (docString) parts.push(fieldBytes(6, docString));
  parts.push(fieldBytes(7, graph), fieldBytes(8, opset));
  return Buffer.concat(parts);
}
