// Draws a states-language definition as an SVG graph: states laid out top-down by BFS
// depth from StartAt, edges for Next, Default, Choices and Catch; an execution's path
// (its StateEntered events) and current state are highlighted. Pure DOM, no layout engine.
import { s } from './dom.js';

const W = 178;
const H = 46;
const HGAP = 26;
const VGAP = 64;
const PAD = 24;

function choiceLabel(rule) {
  const values = [];
  const visit = (r) => {
    if (!r || typeof r !== 'object') return;
    for (const [k, v] of Object.entries(r)) {
      if (k === 'Variable' || k === 'Next') continue;
      if (k === 'And' || k === 'Or') v.forEach(visit);
      else if (k === 'Not') visit(v);
      else values.push(String(v));
    }
  };
  visit(rule);
  // The last test is the telling one ("schedule & training-poll" -> "training-poll").
  return values.length ? values[values.length - 1] : '';
}

export function edgesOf(state) {
  const out = [];
  (state.Choices || []).forEach((c) => out.push({ to: c.Next, kind: 'choice', label: choiceLabel(c) }));
  if (state.Default) out.push({ to: state.Default, kind: 'default', label: 'default' });
  if (state.Next) out.push({ to: state.Next, kind: 'next', label: '' });
  (state.Catch || []).forEach((c) => out.push({ to: c.Next, kind: 'catch', label: `catch ${(c.ErrorEquals || []).join(', ')}` }));
  return out.filter((e) => e.to);
}

// {positions: Map name -> {x, y, depth}, width, height}
export function layout(definition) {
  const states = definition.States || {};
  const names = Object.keys(states);
  const depth = new Map();
  const order = [];
  const queue = [];
  if (definition.StartAt && states[definition.StartAt]) {
    depth.set(definition.StartAt, 0);
    queue.push(definition.StartAt);
  }
  while (queue.length) {
    const name = queue.shift();
    order.push(name);
    for (const e of edgesOf(states[name])) {
      if (states[e.to] && !depth.has(e.to)) {
        depth.set(e.to, depth.get(name) + 1);
        queue.push(e.to);
      }
    }
  }
  let maxDepth = Math.max(0, ...depth.values());
  for (const name of names) {  // unreachable states go below everything
    if (!depth.has(name)) { depth.set(name, maxDepth + 1); order.push(name); }
  }
  maxDepth = Math.max(0, ...depth.values());
  const levels = Array.from({ length: maxDepth + 1 }, () => []);
  for (const name of order) levels[depth.get(name)].push(name);

  // One barycentre pass: order each level by the mean slot of its parents above.
  const slot = new Map();
  levels[0].forEach((n, i) => slot.set(n, i - (levels[0].length - 1) / 2));
  const parents = new Map(names.map((n) => [n, []]));
  for (const n of names) for (const e of edgesOf(states[n])) if (parents.has(e.to)) parents.get(e.to).push(n);
  for (let d = 1; d < levels.length; d++) {
    const key = (n) => {
      const ps = parents.get(n).filter((p) => depth.get(p) < d && slot.has(p));
      return ps.length ? ps.reduce((a, p) => a + slot.get(p), 0) / ps.length : Infinity;
    };
    levels[d] = levels[d].map((n, i) => ({ n, k: key(n), i })).sort((a, b) => a.k - b.k || a.i - b.i).map((o) => o.n);
    // Slots are centred on the widest level so parents and children line up.
    levels[d].forEach((n, i) => slot.set(n, i - (levels[d].length - 1) / 2));
  }
  const widest = Math.max(...levels.map((l) => l.length));
  const width = PAD * 2 + widest * W + (widest - 1) * HGAP + 80;  // room for back edges on the right
  const positions = new Map();
  levels.forEach((level, d) => {
    const rowWidth = level.length * W + (level.length - 1) * HGAP;
    const x0 = PAD + ((widest * W + (widest - 1) * HGAP) - rowWidth) / 2;
    level.forEach((n, i) => positions.set(n, { x: x0 + i * (W + HGAP), y: PAD + d * (H + VGAP), depth: d }));
  });
  const height = PAD * 2 + levels.length * H + (levels.length - 1) * VGAP;
  return { positions, width, height };
}

function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// Returns the <svg>. opts: {visited: Set, taken: Set("a\u0000b"), current, failed, selected, onSelect(name)}
export function drawGraph(definition, opts = {}) {
  const states = definition.States || {};
  const { positions, width, height } = layout(definition);
  const visited = opts.visited || new Set();
  const taken = opts.taken || new Set();
  const svg = s('svg', { class: 'graph', width: String(width), height: String(height), viewBox: `0 0 ${width} ${height}`,
    role: 'group', 'aria-label': 'State machine graph' });
  const defs = s('defs', {},
    s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#aab4c4' })),
    s('marker', { id: 'arrow-taken', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '6', markerHeight: '6', orient: 'auto-start-reverse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#2e9d62' })));
  svg.appendChild(defs);
  const edgeLayer = s('g', {});
  const labelLayer = s('g', {});
  const nodeLayer = s('g', {});
  svg.append(edgeLayer, labelLayer, nodeLayer);

  for (const [name, state] of Object.entries(states)) {
    const a = positions.get(name);
    const outs = edgesOf(state);
    outs.forEach((e, idx) => {
      const b = positions.get(e.to);
      if (!b) return;
      const isTaken = taken.has(`${name}\u0000${e.to}`);
      let d;
      let lx;
      let ly;
      if (b.depth > a.depth) {
        const spread = outs.length > 1 ? (idx - (outs.length - 1) / 2) * Math.min(18, (W - 30) / outs.length) : 0;
        const sx = a.x + W / 2 + spread;
        const sy = a.y + H;
        const tx = b.x + W / 2;
        const ty = b.y;
        const my = (sy + ty) / 2;
        d = `M${sx},${sy} C${sx},${my} ${tx},${my} ${tx},${ty - 2}`;
        lx = sx + (tx - sx) * 0.72;
        ly = sy + (ty - sy) * 0.72;
      } else {
        // Back or sideways edge: leave and enter on the right side.
        const sx = a.x + W;
        const sy = a.y + H / 2 + 6;
        const tx = b.x + W;
        const ty = b.y + H / 2 - 6;
        const bulge = 40 + Math.abs(a.depth - b.depth) * 8;
        d = `M${sx},${sy} C${sx + bulge},${sy} ${tx + bulge},${ty} ${tx + 2},${ty}`;
        lx = Math.max(sx, tx) + bulge * 0.6;
        ly = (sy + ty) / 2;
      }
      const path = s('path', { d, class: ['edge', isTaken ? 'taken' : '', e.kind === 'catch' ? 'catch' : ''],
        'marker-end': isTaken ? 'url(#arrow-taken)' : 'url(#arrow)' },
      s('title', {}, `${name} → ${e.to}${e.label ? ` (${e.label})` : ''}`));
      edgeLayer.appendChild(path);
      if (e.label && (e.kind === 'choice' || e.kind === 'catch')) {
        labelLayer.appendChild(s('text', { class: 'edge-label', x: String(lx + 4), y: String(ly) }, truncate(e.label, 26)));
      }
    });
  }

  for (const [name, state] of Object.entries(states)) {
    const p = positions.get(name);
    const cls = ['node', visited.has(name) ? 'visited' : '', opts.failed === name ? 'failed' : '',
      opts.current === name ? 'current' : '', opts.selected === name ? 'selected' : ''];
    const g = s('g', { class: cls, transform: `translate(${p.x},${p.y})`, tabindex: '0', role: 'button',
      'data-state': name, 'aria-label': `${name} (${state.Type})${visited.has(name) ? ', visited' : ''}${opts.current === name ? ', current' : ''}` },
    s('title', {}, `${name} — ${state.Type}${state.Resource ? ` ${state.Resource}` : ''}`),
    s('rect', { width: String(W), height: String(H), rx: state.Type === 'Choice' ? '18' : '6' }),
    s('text', { x: String(W / 2), y: '19', 'text-anchor': 'middle' }, truncate(name, 25)),
    s('text', { class: 'type', x: String(W / 2), y: '35', 'text-anchor': 'middle' }, state.Type + (state.Resource ? ` · ${String(state.Resource).replace(/^labelloop:/, '')}` : '')));
    if (opts.onSelect) {
      g.addEventListener('click', () => opts.onSelect(name));
      g.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); opts.onSelect(name); }
      });
    }
    nodeLayer.appendChild(g);
  }
  return svg;
}
