// Downloads of figures and data: Blob + <a download>, nothing else. Every control carries
// data-export="<name>.<format>" so that readers and tests find it the same way.

/** Saves a Blob (or text) under `filename` through a temporary <a download>. */
export function download(content, filename, type = 'application/octet-stream') {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  // Removing the link or revoking the URL at once can cancel the download in Chromium.
  setTimeout(() => { a.remove(); URL.revokeObjectURL(url); }, 30_000);
}

const TYPES = {
  json: 'application/json', csv: 'text/csv', svg: 'image/svg+xml', png: 'image/png',
};

/**
 * A row of export buttons for `name`. `makers` maps a format (json, csv, png, svg) to a function
 * returning the content (string, object for json, Blob or a Promise of one), or null when there is
 * nothing to export yet. Returns the element; buttons stay disabled until `enable(true)`.
 */
export function exportBar(name, makers, onError) {
  const bar = document.createElement('div');
  bar.className = 'export-bar';
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', `Export ${name}`);
  for (const [format, make] of Object.entries(makers)) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'export';
    b.dataset.export = `${name}.${format}`;
    b.textContent = format.toUpperCase();
    b.title = `Download ${name} as ${format.toUpperCase()}`;
    b.setAttribute('aria-label', b.title);
    b.disabled = true;
    b.addEventListener('click', async () => {
      try {
        let content = await make();
        if (content == null) throw new Error('nothing computed yet');
        if (format === 'json' && typeof content !== 'string') content = `${JSON.stringify(content, null, 1)}\n`;
        download(content, `recon-align-${name}.${format}`, TYPES[format]);
      } catch (e) {
        onError?.(`Could not export ${name}.${format}: ${e.message ?? e}`);
      }
    });
    bar.append(b);
  }
  bar.enable = (on) => bar.querySelectorAll('button.export').forEach((b) => { b.disabled = !on; });
  return bar;
}

/**
 * Exports of one chart: figure as PNG and SVG, data as CSV and JSON (with the page settings), and
 * the "Table" button showing the plotted numbers (the chart's text alternative).
 */
export function chartExports(chart, settings, onError, overrides = {}) {
  const bar = exportBar(chart.spec.id, {
    png: () => chart.toPNG(),
    svg: () => chart.toSVG(),
    csv: () => chart.toCSV(),
    json: () => ({ ...chart.toJSON(), settings: settings() }),
    ...overrides,
  }, onError);
  bar.prepend(chart.tableView.toggle());
  return bar;
}
