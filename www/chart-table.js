// A chart's text alternative: an HTML table of exactly the numbers it plots, shown and hidden by a
// "Table" button next to its export buttons. Each cell shows four significant digits and holds the
// full value in a <data value> element, so that readers copy, and tests compare, the exact numbers.

import { themeColours } from './theme.js';

/**
 * The columns of `chart`'s table: every drawn series (`scale` other than 'hidden'), and the
 * half-widths of any whiskers drawn (a hidden series, drawn as bars around another). Each column is
 * `{ i, label, colour }`, i the series' index in the chart's data.
 */
export function tableColumns(chart) {
  const { series } = chart.spec;
  const whiskers = new Set(series.map((s) => s.whiskers).filter(Number.isInteger));
  return series.map((s, i) => ({ s, i }))
    .filter(({ s, i }) => s.scale !== 'hidden' || whiskers.has(i))
    .map(({ s, i }) => ({ i, label: s.scale === 'hidden' ? `${s.label} (half-width of the bars)` : s.label, drawn: s.scale !== 'hidden' }));
}

const cell = (tag, v, fmt, scope) => {
  const c = document.createElement(tag);
  if (scope) c.scope = scope;
  if (v == null || !Number.isFinite(v)) {
    c.textContent = '–';
    return c;
  }
  const d = document.createElement('data');
  d.value = String(v);
  d.textContent = fmt(v);
  c.append(d);
  return c;
};

/**
 * The table box of a chart (a keyboard-focusable scrolling region, hidden at first) and its
 * toggle button. `chart` is a LineChart: { spec, xs, ys, colour(i, colours) }; `fmt` writes a
 * number as the chart's axes do.
 */
export class ChartTable {
  constructor(chart, id, fmt) {
    this.chart = chart;
    this.fmt = fmt;
    this.box = document.createElement('div');
    this.box.className = 'chart-table';
    this.box.id = id;
    this.box.hidden = true;
    this.box.tabIndex = 0;
    this.box.setAttribute('role', 'region');
    this.box.dataset.chartTable = chart.spec.id;
    this.buttons = [];
  }

  get shown() {
    return !this.box.hidden;
  }

  /** A "Table" button showing and hiding the table (several buttons may control one table). */
  toggle() {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'table-toggle';
    b.dataset.tableToggle = this.chart.spec.id;
    b.textContent = 'Table';
    b.title = `Show or hide the numbers plotted in "${this.chart.spec.title}" as a table`;
    b.setAttribute('aria-controls', this.box.id);
    b.setAttribute('aria-expanded', 'false');
    b.addEventListener('click', () => this.show(!this.shown));
    this.buttons.push(b);
    return b;
  }

  show(on) {
    this.box.hidden = !on;
    this.buttons.forEach((b) => b.setAttribute('aria-expanded', String(on)));
    if (on) this.render();
  }

  /** Redraws the table from the chart's data (when shown), its swatches in the theme's colours. */
  render() {
    this.box.setAttribute('aria-label', `${this.chart.spec.title}: the plotted numbers`);
    if (!this.shown) return;
    const { chart } = this;
    const cols = tableColumns(chart);
    const colours = themeColours();
    const table = document.createElement('table');
    const caption = document.createElement('caption');
    caption.textContent = `${chart.spec.title}: ${chart.xs.length} rows`;
    const head = document.createElement('tr');
    const xHead = document.createElement('th');
    xHead.scope = 'col';
    xHead.textContent = chart.spec.x.label;
    head.append(xHead);
    for (const c of cols) {
      const th = document.createElement('th');
      th.scope = 'col';
      if (c.drawn) {
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.setAttribute('aria-hidden', 'true');
        swatch.style.background = chart.colour(c.i, colours);
        th.append(swatch);
      }
      th.append(c.label);
      head.append(th);
    }
    const thead = document.createElement('thead');
    thead.append(head);
    const body = document.createElement('tbody');
    chart.xs.forEach((x, n) => {
      const tr = document.createElement('tr');
      tr.append(cell('th', x, this.fmt, 'row'), ...cols.map((c) => cell('td', chart.ys[c.i]?.[n], this.fmt)));
      body.append(tr);
    });
    table.append(caption, thead, body);
    this.box.replaceChildren(table);
  }
}
