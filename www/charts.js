// Line charts: take data, draw it, export it. They know nothing of training or of the worker.
// Drawing is uPlot's (www/vendor/uPlot.esm.js, from npm); SVG export is our own, built from the
// same data and the scales uPlot chose, so the two pictures agree.
import uPlot from './vendor/uPlot.esm.js';
import { themeColours, onThemeChange, liftForContrast } from './theme.js';
import { ChartTable } from './chart-table.js';

/**
 * Okabe & Ito's colour-blind-safe palette. Its black stands for the theme's ink: drawn and exported
 * as a light grey on the dark theme (see `themed`).
 */
export const OKABE_ITO = {
  black: '#000000', orange: '#E69F00', sky: '#56B4E9', green: '#009E73',
  yellow: '#F0E442', blue: '#0072B2', vermillion: '#D55E00', purple: '#CC79A7',
};
/** Series colours in order (yellow last: it is faint on white). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/**
 * The colour drawn for series colour `c` in a theme's `colours`: Okabe-Ito black becomes its ink,
 * and on the dark theme a colour under 3:1 against the panel is lifted (`liftForContrast`).
 */
export function themed(c, colours) {
  if (String(c).toLowerCase() === OKABE_ITO.black) return colours.ink;
  // On the dark theme a line darker than 3:1 against the panel (the sweep's darkest viridis
  // colours) is lifted toward white.
  return colours.theme === 'dark' ? liftForContrast(c, colours.panel) : c;
}

/** Every chart on the page, redrawn (same data, no computation) when the theme changes. */
const LIVE = new Set();
onThemeChange(() => LIVE.forEach((chart) => chart.restyle()));

/** Early-to-late colour along training, vermillion (t=0) to blue (t=1), as in the paper's figure. */
export function earlyLate(t) {
  const a = [0xd5, 0x5e, 0x00];
  const b = [0x00, 0x72, 0xb2];
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * Math.min(1, Math.max(0, t))));
  return `#${c.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** Four significant digits, without exponent noise for ordinary magnitudes. */
export function fmt(v) {
  if (v == null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

const escapeXml = (s) => String(s).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const csvField = (s) => (/^[\d.eE+-]*$/.test(String(s)) ? String(s) : `"${String(s).replace(/"/g, '""')}"`);

/**
 * A line chart. `spec`: { id, title, x: {label, log}, y: {label, log, min, max}, y2?: {label},
 * series: [{label, color, dash, points, line, spanGaps, scale:'y'|'y2'|'hidden', whiskers}] }
 * (`line: false` draws the points alone, a scatter; `whiskers: j` draws a vertical bar from
 * v − h to v + h at each point v of the series, h the value of series j at the same x, usually a
 * `scale: 'hidden'` series of half-widths such as standard errors).
 * Data: `setData(xs, ys)` with ys one array per series (null for a gap).
 */
export class LineChart {
  constructor(container, spec) {
    this.spec = spec;
    this.xs = [];
    this.ys = [];
    this.wrap = document.createElement('figure');
    this.wrap.className = spec.wide ? 'chart wide' : 'chart';
    this.wrap.dataset.chart = spec.id;
    // The figure's accessible name is its caption; its description, the panel's takeaway (see
    // `describe`); its text alternative, the table of plotted numbers (www/chart-table.js).
    const cap = document.createElement('figcaption');
    cap.id = `chart-${spec.id}-title`;
    cap.textContent = spec.title;
    this.wrap.setAttribute('aria-labelledby', cap.id);
    this.plotEl = document.createElement('div');
    this.plotEl.className = 'chart-plot';
    this.plotEl.setAttribute('role', 'group');
    this.plotEl.setAttribute('aria-label', `${spec.title}: ${spec.y.label} against ${spec.x.label}`);
    /** The Table button's view of the plotted numbers (`table()` gives them as rows). */
    this.tableView = new ChartTable(this, `chart-${spec.id}-table`, fmt);
    this.wrap.append(cap, this.plotEl, this.tableView.box);
    container.append(this.wrap);
    this.plot = null;
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(this.plotEl);
    LIVE.add(this);
  }

  /**
   * Points the figure's description at the sentences saying what it shows: `spec.takeaway` (an
   * element id) or else its panel's takeaway.
   */
  describe() {
    const id = this.spec.takeaway ?? this.wrap.closest('.panel')?.querySelector('.takeaway')?.id;
    if (id) this.wrap.setAttribute('aria-describedby', id);
  }

  /** Sets the title shown in the caption (and the table's). */
  retitle(title) {
    this.spec.title = title;
    this.wrap.querySelector('figcaption').textContent = title;
    this.plotEl.setAttribute('aria-label', `${title}: ${this.spec.y.label} against ${this.spec.x.label}`);
  }

  /** Redraws the current data in the theme's colours. */
  restyle() {
    if (this.plot) this.rebuild(this.xs, this.ys);
  }

  /** The colour of series `i` in `colours` (the theme's). */
  colour(i, colours) {
    return themed(this.spec.series[i].color ?? PALETTE[i % PALETTE.length], colours);
  }

  size() {
    const width = Math.max(200, Math.floor(this.plotEl.clientWidth || 600));
    return { width, height: Math.round(Math.min(360, Math.max(260, width * 0.55))) };
  }

  resize() {
    if (!this.plot) return;
    const s = this.size();
    if (s.width !== this.plot.width || s.height !== this.plot.height) this.plot.setSize(s);
  }

  /** Replaces the series list (e.g. one line per checkpoint) and redraws with new data. */
  setSeries(series, xs, ys) {
    this.spec = { ...this.spec, series };
    this.rebuild(xs, ys);
  }

  /** Redraws with new data; the series list stays. */
  setData(xs, ys) {
    if (!this.plot || ys.length !== this.spec.series.length) {
      this.rebuild(xs, ys);
      return;
    }
    this.store(xs, ys);
    this.plot.setData(this.uData());
    this.tableView.render();
  }

  store(xs, ys) {
    this.xs = Array.from(xs);
    this.ys = ys.map((y) => Array.from(y, (v) => (v == null || !Number.isFinite(v) ? null : v)));
  }

  // Values uPlot draws: a log axis cannot show zero or negatives, so those become gaps.
  uData() {
    const { spec } = this;
    return [this.xs, ...this.ys.map((y, i) => ((spec.series[i].scale ?? 'y') === 'y' && spec.y.log
      ? y.map((v) => (v != null && v > 0 ? v : null)) : y))];
  }

  rebuild(xs, ys) {
    this.store(xs, ys);
    this.plot?.destroy();
    const { spec } = this;
    const colours = themeColours();
    this.wrap.dataset.theme = colours.theme;
    const scale = (axis) => (axis.log ? { distr: 3, log: 10 } : { distr: 1 });
    const range = (axis) => (axis.min != null || axis.max != null
      ? (u, lo, hi) => [axis.min ?? lo, axis.max ?? hi] : undefined);
    const scales = {
      x: { time: false, ...scale(spec.x) },
      y: { ...scale(spec.y), ...(range(spec.y) ? { range: range(spec.y) } : {}) },
    };
    // Whiskers widen a linear, auto-ranged y axis to their ends.
    if (this.whiskers().length && !range(spec.y) && !spec.y.log) {
      scales.y.range = (u, lo, hi) => {
        const ends = this.whiskerEnds().filter((e) => e.scale === 'y').flatMap((e) => [e.lo, e.hi]);
        const [a, b] = [Math.min(lo, ...ends), Math.max(hi, ...ends)];
        const pad = (b - a || Math.abs(a) || 1) * 0.05;
        return [a - pad, b + pad];
      };
    }
    // A log axis marks its decades only (uPlot's own labels round small values to 0).
    const decades = (u, splits) => splits.map((v) => (isDecade(v) ? v : null));
    const axis = (a) => ({
      label: a.label, stroke: colours.axis,
      grid: { stroke: colours.grid, ...(a.log ? { filter: decades } : {}) },
      ticks: { stroke: colours.tick, ...(a.log ? { filter: decades } : {}) },
      values: (u, splits) => splits.map((v) => (v == null ? '' : a.log ? fmtDecade(v) : fmt(v))),
      ...(a.log ? { filter: decades } : {}),
    });
    const axes = [axis(spec.x), { ...axis(spec.y), size: 62 }];
    if (spec.y2) {
      scales.y2 = { ...scale(spec.y2) };
      axes.push({ ...axis(spec.y2), scale: 'y2', side: 1, grid: { show: false }, size: 62 });
    }
    if (spec.series.some((s) => s.scale === 'hidden')) scales.hidden = { auto: true };
    const series = [
      { label: spec.x.label, value: (u, v) => fmt(v) },
      ...spec.series.map((s, i) => ({
        label: s.label,
        scale: s.scale ?? 'y',
        stroke: s.scale === 'hidden' ? 'transparent' : this.colour(i, colours),
        width: s.width ?? 2,
        dash: s.dash,
        points: { show: s.points ?? s.line === false, size: 6 },
        ...(s.line === false ? { paths: () => null } : {}),
        value: (u, v) => fmt(v),
        spanGaps: s.spanGaps ?? false,
      })),
    ];
    const hooks = this.whiskers().length ? { draw: [(u) => this.drawWhiskers(u, colours)] } : {};
    this.plot = new uPlot({ ...this.size(), scales, axes, series, hooks, legend: { live: true }, cursor: { drag: { x: false, y: false } } },
      this.uData(), this.plotEl);
    this.wrap.dataset.points = String(this.xs.length);
    this.describe();
    this.tableView.render();
  }

  /** The series drawn with whiskers: `{ i, j }`, series i with half-widths from series j. */
  whiskers() {
    return this.spec.series.map((s, i) => ({ i, j: s.whiskers })).filter(({ j }) => Number.isInteger(j));
  }

  /** Every whisker: `{ i, x, lo, hi, scale }` with lo = v − h and hi = v + h. */
  whiskerEnds() {
    return this.whiskers().flatMap(({ i, j }) => this.xs.map((x, n) => {
      const [v, h] = [this.ys[i]?.[n], this.ys[j]?.[n]];
      return v == null || h == null ? null : { i, x, lo: v - Math.abs(h), hi: v + Math.abs(h), scale: this.spec.series[i].scale ?? 'y' };
    })).filter(Boolean);
  }

  // uPlot's draw hook: the whiskers on its canvas, clipped to the plotting area, with caps.
  drawWhiskers(u, colours) {
    const { ctx, bbox } = u;
    const r = uPlot.pxRatio || 1;
    ctx.save();
    ctx.beginPath();
    ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
    ctx.clip();
    ctx.lineWidth = 1.5 * r;
    for (const e of this.whiskerEnds()) {
      const x = u.valToPos(e.x, 'x', true);
      const [y0, y1] = [u.valToPos(e.lo, e.scale, true), u.valToPos(e.hi, e.scale, true)];
      if (![x, y0, y1].every(Number.isFinite)) continue;
      ctx.strokeStyle = this.colour(e.i, colours);
      ctx.beginPath();
      for (const [a, b] of [[[x, y0], [x, y1]], [[x - 3 * r, y0], [x + 3 * r, y0]], [[x - 3 * r, y1], [x + 3 * r, y1]]]) {
        ctx.moveTo(...a);
        ctx.lineTo(...b);
      }
      ctx.stroke();
    }
    ctx.restore();
  }

  /** The chart's data as a table: header row then one row per x. */
  table() {
    const header = [this.spec.x.label, ...this.spec.series.map((s) => s.label)];
    const rows = this.xs.map((x, i) => [x, ...this.ys.map((y) => y[i])]);
    return { header, rows };
  }

  toCSV() {
    const { header, rows } = this.table();
    return `${[header.map(csvField).join(','), ...rows.map((r) => r.map((v) => (v == null ? '' : String(v))).join(','))].join('\n')}\n`;
  }

  toJSON() {
    return {
      chart: this.spec.id, title: this.spec.title, x: { label: this.spec.x.label, values: this.xs },
      series: this.spec.series.map((s, i) => ({ label: s.label, values: this.ys[i] })),
    };
  }

  /** PNG from uPlot's canvas, on the theme's panel colour, with the title and a legend around it. */
  async toPNG() {
    if (!this.plot) throw new Error('nothing drawn yet');
    const src = this.plot.ctx.canvas;
    const r = uPlot.pxRatio || 1;
    const top = Math.round(30 * r);
    const visible = this.spec.series.filter((s) => s.scale !== 'hidden');
    const legendH = Math.round((18 * Math.ceil(visible.length / 3) + 8) * r);
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height + top + legendH;
    const ctx = out.getContext('2d');
    const colours = themeColours();
    ctx.fillStyle = colours.panel;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = colours.fg;
    ctx.font = `${Math.round(15 * r)}px sans-serif`;
    ctx.fillText(this.spec.title, 8 * r, 20 * r);
    ctx.drawImage(src, 0, top);
    ctx.font = `${Math.round(12 * r)}px sans-serif`;
    const colW = out.width / 3;
    visible.forEach((s, i) => {
      const x = (i % 3) * colW + 8 * r;
      const y = src.height + top + (Math.floor(i / 3) * 18 + 14) * r;
      ctx.fillStyle = this.colour(this.spec.series.indexOf(s), colours);
      ctx.fillRect(x, y - 8 * r, 14 * r, 4 * r);
      ctx.fillStyle = colours.fg;
      ctx.fillText(s.label, x + 20 * r, y);
    });
    return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  }

  /** A standalone SVG built from the data and the x/y ranges uPlot is showing, in the theme's colours. */
  toSVG() {
    const { spec } = this;
    const colours = themeColours();
    const W = 720;
    const H = 440;
    const m = { l: 72, r: spec.y2 ? 72 : 20, t: 36, b: 56 };
    const visible = spec.series.map((s, i) => ({ s, i })).filter(({ s }) => s.scale !== 'hidden');
    const legendRows = Math.ceil(visible.length / 3);
    const plotH = H - m.t - m.b;
    const plotW = W - m.l - m.r;
    const sc = (key, axis) => {
      const s = this.plot?.scales[key];
      let lo = s?.min;
      let hi = s?.max;
      if (!(Number.isFinite(lo) && Number.isFinite(hi)) || lo === hi) {
        const vals = key === 'x' ? this.xs : this.ys.flat().filter((v) => v != null && (!axis.log || v > 0));
        lo = Math.min(...vals);
        hi = Math.max(...vals);
        if (!(lo < hi)) { lo -= 1; hi += 1; }
      }
      const f = axis.log ? Math.log10 : (v) => v;
      return { lo, hi, map: (v) => (f(v) - f(lo)) / (f(hi) - f(lo)), log: axis.log };
    };
    const X = sc('x', spec.x);
    const Y = sc('y', spec.y);
    const Y2 = spec.y2 ? sc('y2', spec.y2) : null;
    const px = (v) => m.l + X.map(v) * plotW;
    const py = (v, S) => m.t + (1 - S.map(v)) * plotH;
    const out = [];
    out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + legendRows * 18 + 8}" viewBox="0 0 ${W} ${H + legendRows * 18 + 8}" font-family="sans-serif" font-size="12" fill="${colours.fg}">`);
    out.push(`<rect width="100%" height="100%" fill="${colours.panel}"/>`);
    out.push(`<text x="${m.l}" y="22" font-size="15">${escapeXml(spec.title)}</text>`);
    out.push(`<rect x="${m.l}" y="${m.t}" width="${plotW}" height="${plotH}" fill="none" stroke="${colours.frame}"/>`);
    for (const t of ticks(X)) {
      const x = px(t).toFixed(1);
      out.push(`<line x1="${x}" x2="${x}" y1="${m.t}" y2="${m.t + plotH}" stroke="${colours.grid}"/>`);
      out.push(`<text x="${x}" y="${m.t + plotH + 16}" text-anchor="middle">${escapeXml(fmt(t))}</text>`);
    }
    for (const t of ticks(Y)) {
      const y = py(t, Y).toFixed(1);
      out.push(`<line x1="${m.l}" x2="${m.l + plotW}" y1="${y}" y2="${y}" stroke="${colours.grid}"/>`);
      out.push(`<text x="${m.l - 6}" y="${y}" dy="4" text-anchor="end">${escapeXml(fmt(t))}</text>`);
    }
    if (Y2) {
      for (const t of ticks(Y2)) {
        out.push(`<text x="${m.l + plotW + 6}" y="${py(t, Y2).toFixed(1)}" dy="4">${escapeXml(fmt(t))}</text>`);
      }
      out.push(`<text transform="translate(${W - 12},${m.t + plotH / 2}) rotate(90)" text-anchor="middle">${escapeXml(spec.y2.label)}</text>`);
    }
    out.push(`<text x="${m.l + plotW / 2}" y="${H - 14}" text-anchor="middle">${escapeXml(spec.x.label)}</text>`);
    out.push(`<text transform="translate(16,${m.t + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.y.label)}</text>`);
    out.push(`<clipPath id="plot"><rect x="${m.l}" y="${m.t}" width="${plotW}" height="${plotH}"/></clipPath>`);
    for (const { s, i } of visible) {
      const S = s.scale === 'y2' ? Y2 : Y;
      const colour = this.colour(i, colours);
      const dash = s.dash ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
      let d = '';
      let pen = 'M';
      this.xs.forEach((x, j) => {
        const v = this.ys[i][j];
        if (v == null || (S.log && v <= 0) || (X.log && x <= 0)) { pen = 'M'; return; }
        if (s.line === false) {
          out.push(`<circle cx="${px(x).toFixed(2)}" cy="${py(v, S).toFixed(2)}" r="3" fill="${colour}" clip-path="url(#plot)"/>`);
          return;
        }
        d += `${pen}${px(x).toFixed(2)},${py(v, S).toFixed(2)}`;
        pen = 'L';
      });
      if (d) out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="${s.width ?? 2}"${dash} clip-path="url(#plot)"/>`);
    }
    for (const e of this.whiskerEnds()) {
      const S = e.scale === 'y2' ? Y2 : Y;
      if (!S || (S.log && e.lo <= 0) || (X.log && e.x <= 0)) continue;
      const [x, y0, y1] = [px(e.x), py(e.lo, S), py(e.hi, S)].map((v) => v.toFixed(2));
      const colour = this.colour(e.i, colours);
      out.push(`<path d="M${x},${y0}L${x},${y1}M${(px(e.x) - 3).toFixed(2)},${y0}h6M${(px(e.x) - 3).toFixed(2)},${y1}h6" stroke="${colour}" stroke-width="1.5" fill="none" clip-path="url(#plot)"/>`);
    }
    visible.forEach(({ s, i }, n) => {
      const x = 12 + (n % 3) * (W / 3);
      const y = H + Math.floor(n / 3) * 18;
      out.push(`<rect x="${x}" y="${y - 6}" width="14" height="4" fill="${this.colour(i, colours)}"/>`);
      out.push(`<text x="${x + 20}" y="${y}">${escapeXml(s.label)}</text>`);
    });
    out.push('</svg>');
    return out.join('\n');
  }
}

const isDecade = (v) => v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
const fmtDecade = (v) => {
  const e = Math.round(Math.log10(v));
  return e >= -3 && e <= 4 ? String(10 ** e >= 1 ? 10 ** e : Number((10 ** e).toPrecision(1))) : `1e${e}`;
};

/** Tick values for an axis: powers of ten on a log axis, 1-2-5 steps on a linear one. */
export function ticks({ lo, hi, log }) {
  if (log) {
    const out = [];
    for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++) out.push(10 ** e);
    return out.length ? out : [lo, hi];
  }
  const raw = (hi - lo) / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw);
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}
