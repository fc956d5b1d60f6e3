// The image stage: holds one <img> per known task (the shown one and the prefetched ones,
// decoded ahead so switching is a class change), fits the shown image to the stage, and
// zooms/pans it with the wheel, drag, pinch, double-click and the zoom buttons.
// Transforms are set through the CSSOM (allowed by the page's CSP; no style attributes).
// The model's box (geometry: fractions of the image) is drawn over the shown image and
// follows every zoom and pan; zoomToBox frames it.

const MIN_SCALE_FACTOR = 0.5;  // of the fit scale
const MAX_SCALE = 16;
const MAX_FIT_UPSCALE = 4;     // small images are enlarged to fit, up to this much

export class Viewer {
  constructor(stage, onZoom) {
    this.stage = stage;
    this.onZoom = onZoom || (() => {});
    this.images = new Map();  // key -> {img, ready: Promise}
    this.current = null;      // the shown <img>
    this.scale = 1;
    this.fitScale = 1;
    this.x = 0;
    this.y = 0;
    this.pointers = new Map();
    this.pinch = null;
    this.geometry = null;     // the shown image's box, {left, top, width, height} in 0-1
    this.boxVisible = true;
    this.box = document.createElement('div');
    this.box.className = 'stage-box';
    this.box.dataset.testid = 'model-box';
    this.box.hidden = true;
    this.boxLabel = document.createElement('span');
    this.boxLabel.className = 'stage-box-label';
    this.box.appendChild(this.boxLabel);
    stage.appendChild(this.box);
    this.bindEvents();
    new ResizeObserver(() => { if (this.current && this.isFit) this.fit(); }).observe(stage);
  }

  // Starts loading an image (no-op when it is loading already); resolves when decoded.
  preload(id, url, alt) {
    let entry = this.images.get(id);
    if (entry) return entry.ready;
    const img = document.createElement('img');
    img.className = 'stage-img';
    img.alt = alt || '';
    img.draggable = false;
    img.decoding = 'async';
    img.dataset.task = id;
    img.hidden = true;
    const ready = new Promise((resolve) => {
      img.addEventListener('load', () => {
        img.decode().catch(() => {}).then(() => resolve(true));
      }, { once: true });
      img.addEventListener('error', () => { img.classList.add('broken'); resolve(false); }, { once: true });
    });
    img.src = url;
    this.stage.appendChild(img);
    entry = { img, ready };
    this.images.set(id, entry);
    return ready;
  }

  // Shows a preloaded (or loading) image at once; returns whether its pixels are ready.
  show(id) {
    const entry = this.images.get(id);
    if (!entry) return false;
    if (this.current && this.current !== entry.img) {
      this.current.hidden = true;
      this.current.classList.remove('shown');
    }
    this.current = entry.img;
    this.current.hidden = false;
    this.current.classList.add('shown');
    this.stage.dataset.task = id;
    if (entry.img.complete && entry.img.naturalWidth > 0) {
      this.fit();
    } else {
      entry.ready.then(() => { if (this.current === entry.img) this.fit(); });
    }
    return entry.img.complete;
  }

  // The box of the shown image (null: none) and its caption.
  setBox(geometry, caption) {
    const ok = geometry && ['left', 'top', 'width', 'height'].every((k) => Number.isFinite(geometry[k]));
    this.geometry = ok ? geometry : null;
    this.boxLabel.textContent = caption || '';
    this.apply();
  }

  setBoxVisible(on) {
    this.boxVisible = on;
    this.apply();
  }

  get hasBox() { return this.geometry !== null; }

  // Zooms so the box fills most of the stage, centred; without a box, fits the image.
  zoomToBox() {
    const img = this.current;
    if (!img || !img.naturalWidth || !this.geometry) { this.fit(); return; }
    const g = this.geometry;
    const w = this.stage.clientWidth, h = this.stage.clientHeight;
    const bw = Math.max(g.width * img.naturalWidth, 1), bh = Math.max(g.height * img.naturalHeight, 1);
    const margin = 1.5;  // the box and some of its surroundings
    this.scale = Math.min(MAX_SCALE, Math.max(this.fitScale, Math.min(w / (bw * margin), h / (bh * margin))));
    const cx = (g.left + g.width / 2) * img.naturalWidth, cy = (g.top + g.height / 2) * img.naturalHeight;
    this.x = w / 2 - cx * this.scale;
    this.y = h / 2 - cy * this.scale;
    this.apply();
  }

  hideAll() {
    this.geometry = null;
    this.box.hidden = true;
    if (this.current) {
      this.current.hidden = true;
      this.current.classList.remove('shown');
    }
    this.current = null;
    delete this.stage.dataset.task;
  }

  // Drops an image no longer needed (answered, skipped).
  forget(id) {
    const entry = this.images.get(id);
    if (!entry) return;
    if (this.current === entry.img) this.current = null;
    entry.img.remove();
    this.images.delete(id);
  }

  get isFit() { return Math.abs(this.scale - this.fitScale) < 1e-6; }

  fit() {
    const img = this.current;
    if (!img || !img.naturalWidth) return;
    const w = this.stage.clientWidth, h = this.stage.clientHeight;
    const pad = 16;
    this.fitScale = Math.min((w - 2 * pad) / img.naturalWidth, (h - 2 * pad) / img.naturalHeight, MAX_FIT_UPSCALE);
    if (!(this.fitScale > 0)) this.fitScale = 1;
    this.scale = this.fitScale;
    this.x = (w - img.naturalWidth * this.scale) / 2;
    this.y = (h - img.naturalHeight * this.scale) / 2;
    this.apply();
  }

  // Zooms by `factor` keeping the stage point (cx, cy) still; default: the centre.
  zoomBy(factor, cx, cy) {
    const img = this.current;
    if (!img || !img.naturalWidth) return;
    if (cx === undefined) { cx = this.stage.clientWidth / 2; cy = this.stage.clientHeight / 2; }
    const next = Math.min(MAX_SCALE, Math.max(this.fitScale * MIN_SCALE_FACTOR, this.scale * factor));
    const k = next / this.scale;
    this.x = cx - (cx - this.x) * k;
    this.y = cy - (cy - this.y) * k;
    this.scale = next;
    this.apply();
  }

  // Double-click: fit <-> actual size (or 2x fit for small images) at the point.
  toggleZoom(cx, cy) {
    if (this.isFit) {
      const target = Math.max(1, this.fitScale * 2);
      this.zoomBy(target / this.scale, cx, cy);
    } else {
      this.fit();
    }
  }

  apply() {
    const img = this.current;
    this.box.hidden = !(img && img.naturalWidth && this.geometry && this.boxVisible);
    if (!img) return;
    img.style.transform = `translate(${this.x}px, ${this.y}px) scale(${this.scale})`;
    if (!this.box.hidden) {
      const g = this.geometry, sw = img.naturalWidth * this.scale, sh = img.naturalHeight * this.scale;
      Object.assign(this.box.style, {
        left: `${this.x + g.left * sw}px`, top: `${this.y + g.top * sh}px`,
        width: `${g.width * sw}px`, height: `${g.height * sh}px`,
      });
    }
    this.stage.classList.toggle('zoomed', !this.isFit);
    this.onZoom(this.scale);
  }

  stagePoint(e) {
    const r = this.stage.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  bindEvents() {
    const s = this.stage;
    s.addEventListener('wheel', (e) => {
      if (!this.current) return;
      e.preventDefault();
      const [cx, cy] = this.stagePoint(e);
      this.zoomBy(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), cx, cy);
    }, { passive: false });
    s.addEventListener('dblclick', (e) => {
      const [cx, cy] = this.stagePoint(e);
      this.toggleZoom(cx, cy);
    });
    s.addEventListener('pointerdown', (e) => {
      if (!this.current) return;
      s.setPointerCapture(e.pointerId);
      this.pointers.set(e.pointerId, this.stagePoint(e));
      if (this.pointers.size === 2) {
        const [a, b] = [...this.pointers.values()];
        this.pinch = { dist: Math.hypot(a[0] - b[0], a[1] - b[1]), mid: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] };
      }
      s.classList.add('dragging');
    });
    s.addEventListener('pointermove', (e) => {
      const prev = this.pointers.get(e.pointerId);
      if (!prev) return;
      const p = this.stagePoint(e);
      this.pointers.set(e.pointerId, p);
      if (this.pointers.size >= 2 && this.pinch) {
        const [a, b] = [...this.pointers.values()];
        const dist = Math.hypot(a[0] - b[0], a[1] - b[1]);
        const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
        this.x += mid[0] - this.pinch.mid[0];
        this.y += mid[1] - this.pinch.mid[1];
        if (this.pinch.dist > 0) this.zoomBy(dist / this.pinch.dist, mid[0], mid[1]);
        this.pinch = { dist, mid };
      } else if (this.pointers.size === 1) {
        this.x += p[0] - prev[0];
        this.y += p[1] - prev[1];
        this.apply();
      }
    });
    const end = (e) => {
      this.pointers.delete(e.pointerId);
      if (this.pointers.size < 2) this.pinch = null;
      if (this.pointers.size === 0) s.classList.remove('dragging');
    };
    s.addEventListener('pointerup', end);
    s.addEventListener('pointercancel', end);
  }
}
