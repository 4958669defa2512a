// Panel 6: design your own noise. Paint a 7×7 map of drop probabilities (dropmap) or of Gaussian
// standard deviations (gaussmap), levels 0–9 meaning 0–0.9; the alignment impact and the label-free
// verdict follow the map live, and Train trains the DAE with it. The map lives in the hash
// (noise=dropmap&map=<49 digits>), so a design is a link; the other panels use it too. Its
// sentences come from www/takeaways/designer.js.
import { exportBar } from '../export.js';
import { MAP_CELLS, mapMean, noiseSpec, parseNoise, trainSettings, usesMap } from '../state.js';
import { designerTakeaway } from '../takeaways/designer.js';
import { el, panelShell, progressRow, runTask, say, num, atK } from './common.js';

const SIDE = 7;

/** The presets, each a function of (row, column, level) giving a cell's level. */
export const PRESETS = {
  uniform: (r, c, l) => l,
  centre: (r, c, l) => (r >= 2 && r <= 4 && c >= 2 && c <= 4 ? l : 0),
  border: (r, c, l) => (r === 0 || c === 0 || r === SIDE - 1 || c === SIDE - 1 ? l : 0),
  stripes: (r, c, l) => (c % 2 === 0 ? l : 0),
};

/** The 49 digits of a preset at `level`. */
export function presetMap(name, level) {
  return Array.from({ length: MAP_CELLS }, (_, i) => PRESETS[name](Math.floor(i / SIDE), i % SIDE, level)).join('');
}

const KINDS = { dropmap: 'drop probability', gaussmap: 'Gaussian σ' };

export function createDesignerPanel(ctx) {
  const shell = panelShell({
    id: 'designer',
    title: 'Design your own noise',
    figure: 'Paper: the noise distribution must be designed, and a test without labels tells whether a design can matter at all.',
    explain: 'Paint a 7×7 map spread over the image, levels 0–9: each pixel is dropped with probability level/10 (drop map), or gets Gaussian noise of standard deviation level/10 (Gaussian map), independently of the others. The closed forms of the alignment with the labels and of the label-free test follow the map as you paint.',
  });
  const kind = el('select', { id: 'designer-kind', 'aria-label': 'What the map sets' },
    ...Object.entries(KINDS).map(([v, label]) => el('option', { value: v }, label)));
  const brush = el('input', { id: 'designer-brush', type: 'range', min: '0', max: '9', step: '1', value: '9', 'aria-label': 'Brush level (0–9)' });
  const brushOut = el('output', { id: 'designer-brush-level', for: 'designer-brush' }, '9');
  const grid = el('div', { id: 'designer-grid', class: 'designer-grid', role: 'grid', 'aria-label': 'Noise map, 7 by 7 cells: arrows move, digits 0–9 set a level, space paints with the brush' });
  const cells = [];
  for (let r = 0; r < SIDE; r++) {
    const row = el('div', { role: 'row', class: 'designer-row' });
    for (let c = 0; c < SIDE; c++) {
      const i = r * SIDE + c;
      const cell = el('button', { type: 'button', role: 'gridcell', class: 'designer-cell', tabindex: i === 0 ? '0' : '-1', dataset: { cell: String(i) } }, '0');
      cells.push(cell);
      row.append(cell);
    }
    grid.append(row);
  }
  const presets = el('div', { class: 'designer-presets', role: 'group', 'aria-label': 'Presets (at the brush level)' },
    ...Object.keys(PRESETS).map((name) => el('button', { type: 'button', dataset: { preset: name } }, name)));
  const train = el('button', { type: 'button', id: 'designer-train', dataset: { action: 'designer-train' } }, 'Train with this map');
  const trainStatus = el('p', { id: 'designer-train-status', class: 'explain', 'aria-live': 'polite' }, 'Train runs the DAE with the map (WebGPU when available, else its CPU twin).');
  const verdict = el('p', { class: 'verdict', id: 'designer-verdict', dataset: { verdict: 'pending' } }, 'Paint a cell or pick a preset to design a noise.');
  const controls = el('div', { class: 'designer-controls' },
    el('label', {}, 'The map sets ', kind), el('label', {}, 'Brush ', brush, brushOut), presets);
  shell.charts.className = 'designer-body';
  shell.charts.append(controls, grid, el('div', {}, train), trainStatus);
  // The map sits above the numbers, so that sentences changing length never move a cell while
  // the reader paints.
  shell.progress.row.before(shell.charts);
  shell.takeaway.before(verdict);
  const trainProgress = progressRow('designer-train', 'Training with the map');
  trainStatus.after(trainProgress.row);
  trainProgress.rerun.hidden = true;

  let levels = ctx.state().map;
  let result = null; // { settings, spec, align, never, reference }
  let generation = 0;
  const exports = exportBar('designer', { json: () => result && designerJSON(result) }, ctx.notice);
  shell.exports.append(exports);

  function drawGrid() {
    const gauss = kind.value === 'gaussmap';
    cells.forEach((cell, i) => {
      const level = Number(levels[i]);
      cell.textContent = String(level);
      cell.style.setProperty('--level', String(level / 9));
      cell.dataset.level = String(level);
      cell.setAttribute('aria-label', `row ${Math.floor(i / SIDE) + 1}, column ${(i % SIDE) + 1}: ${gauss ? 'σ' : 'drop probability'} ${level / 10}`);
    });
  }

  /** Writes the design into the page state (and the hash); the page reruns what depends on it. */
  function commit(next) {
    levels = next;
    drawGrid();
    ctx.update({ noise: kind.value, map: levels });
  }

  function paint(i, level = Number(brush.value)) {
    if (Number(levels[i]) === level && usesMap(ctx.state().noise) && ctx.state().noise === kind.value) return;
    commit(levels.slice(0, i) + String(level) + levels.slice(i + 1));
  }

  let painting = false;
  const cellAt = (e) => document.elementFromPoint(e.clientX, e.clientY)?.closest?.('[data-cell]');
  grid.addEventListener('pointerdown', (e) => {
    const cell = e.target.closest('[data-cell]');
    if (!cell) return;
    e.preventDefault();
    painting = true;
    cell.focus();
    paint(Number(cell.dataset.cell));
  });
  grid.addEventListener('pointermove', (e) => {
    if (!painting) return;
    const cell = cellAt(e);
    if (cell && grid.contains(cell)) paint(Number(cell.dataset.cell));
  });
  window.addEventListener('pointerup', () => { painting = false; });
  grid.addEventListener('keydown', (e) => {
    const cell = e.target.closest('[data-cell]');
    if (!cell) return;
    const i = Number(cell.dataset.cell);
    const [r, c] = [Math.floor(i / SIDE), i % SIDE];
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[e.key]) {
      const [dr, dc] = moves[e.key];
      const j = Math.min(SIDE - 1, Math.max(0, r + dr)) * SIDE + Math.min(SIDE - 1, Math.max(0, c + dc));
      cell.tabIndex = -1;
      cells[j].tabIndex = 0;
      cells[j].focus();
    } else if (/^[0-9]$/.test(e.key)) {
      paint(i, Number(e.key));
    } else if (e.key === ' ' || e.key === 'Enter') {
      paint(i);
    } else if (e.key === '+' || e.key === '-') {
      paint(i, Math.min(9, Math.max(0, Number(levels[i]) + (e.key === '+' ? 1 : -1))));
    } else {
      return;
    }
    e.preventDefault();
  });
  // A click from the keyboard (Enter/Space) is handled by keydown; pointer clicks by pointerdown.
  grid.addEventListener('click', (e) => e.preventDefault());
  brush.addEventListener('input', () => { brushOut.textContent = brush.value; });
  presets.addEventListener('click', (e) => {
    const name = e.target.closest('[data-preset]')?.dataset.preset;
    if (name) commit(presetMap(name, Number(brush.value)));
  });
  kind.addEventListener('change', () => commit(levels));
  train.addEventListener('click', () => runTraining());

  async function runTraining() {
    const st = ctx.state();
    if (!usesMap(st.noise)) commit(levels);
    const params = trainSettings(ctx.state(), ctx.dims(), ctx.images());
    trainStatus.textContent = `Training ${params.epochs} epochs with ${parseNoise(params.noise).kind} (K=${params.k})…`;
    let last = null;
    const data = await runTask(ctx, trainProgress, 'designer-train', 'train', params, {
      epoch: (e) => {
        last = e;
        trainProgress.bar.max = params.epochs;
        trainProgress.bar.value = e.epoch;
        trainStatus.textContent = `Epoch ${e.epoch}/${params.epochs} on ${e.backend}: loss ${num(e.loss, 4)} (closed-form optimum ${num(e.optimum, 4)}), alignment ${num(e.alignment, 2)}%.`;
      },
    });
    if (data && last) {
      trainStatus.textContent = `Trained with this map on ${data.backend === 'gpu' ? 'the GPU' : 'the CPU'} (${params.epochs} epoch${params.epochs === 1 ? '' : 's'}): loss ${num(last.loss, 4)}, ${num((100 * last.gap) / Math.abs(last.optimum), 2)}% above the closed-form optimum ${num(last.optimum, 4)}; alignment of the trained code ${num(last.alignment, 2)}%.`;
      trainStatus.dataset.backend = data.backend;
    }
  }

  function draw() {
    const { settings, spec } = result;
    const t = designerTakeaway(result, { k: settings.k });
    verdict.dataset.verdict = t.claims.never ? 'never' : 'changes';
    verdict.dataset.noise = spec;
    verdict.textContent = t.verdict;
    say(shell, ...t.sentences);
    exports.enable(true);
  }

  function designerJSON(r) {
    return {
      panel: 'designer', settings: r.settings, noise: r.spec, map: parseNoise(r.spec).map, k: r.align.k,
      clean: r.align.clean, noisy: r.align.noisy, max_feature_angle_deg: r.never.max_feature_angle_deg,
      max_angle_deg: r.never.max_angle_deg, tolerance_deg: r.never.tolerance_deg, status: r.never.status,
      verdict: r.never.verdict, never_beneficial: r.never.never_beneficial,
      reference: r.reference && {
        noise: r.reference.noise, max_feature_angle_deg: r.reference.max_feature_angle_deg,
        max_angle_deg: r.reference.max_angle_deg, status: r.reference.status, never_beneficial: r.reference.never_beneficial,
      },
    };
  }

  return {
    id: 'designer',
    shell,
    deps: ['k', 'noise', 'map'],
    async run(changed) {
      const st = ctx.state();
      levels = st.map;
      if (usesMap(st.noise)) kind.value = st.noise;
      drawGrid();
      if (!usesMap(st.noise)) {
        say(shell, `The page uses ${noiseSpec(st)} now: paint a cell or pick a preset to design a noise.`);
        shell.progress.row.dataset.state = 'idle';
        return;
      }
      if (result && changed && changed.every((c) => c === 'k')) {
        result = { ...result, settings: ctx.settings() };
        draw();
        return;
      }
      const gen = ++generation;
      const spec = noiseSpec(st);
      const settings = ctx.settings();
      const align = await runTask(ctx, shell.progress, 'designer-alignment', 'alignment', { noise: spec }, {}, 1);
      if (!align || gen !== generation) return;
      // The alignment comes first: show it while the label-free test runs.
      const i = atK(align.k, Math.min(settings.k, align.d));
      const impact = (100 * (align.noisy[i] - align.clean[i])) / align.clean[i];
      verdict.dataset.verdict = 'pending';
      verdict.textContent = 'Verdict without labels: computing the principal angles to PCA…';
      say(shell, `At K=${align.k[i]} the alignment with the labels goes from ${num(align.clean[i], 2)}% without noise to ${num(align.noisy[i], 2)}% with the map (impact ${impact >= 0 ? '+' : ''}${num(impact, 2)}%).`);
      const never = await runTask(ctx, shell.progress, 'designer-never', 'never', { noise: spec }, {}, 1);
      if (!never || gen !== generation) return;
      const digits = st.map;
      let reference = null;
      if (st.noise === 'gaussmap' && new Set(digits).size > 1) {
        reference = await runTask(ctx, shell.progress, 'designer-reference', 'never', { noise: `gaussian:${Number(mapMean(digits).toFixed(3))}` }, {}, 1);
        if (gen !== generation) return;
      }
      result = { settings, spec, align, never, reference };
      draw();
    },
    reset() { result = null; },
  };
}
