/**
 * The Runs screen's comparison table (issue 16 item 8): the data each run saw (dataset,
 * pictures or rows used of how many, the part set aside, the test set), its network, and every
 * setting of its record, in the Train screen's words, row by row so that what differs stands
 * out. Settings are walked generically, so a setting added to TrainConfig (augmentation, say)
 * appears without a change here: named from SETTING_NAMES when it has a name there, else from
 * its key ("augment.maxShift" → "Augment: max shift"). An optimizer's own settings and the
 * choices' words come from the engine's registry, as on the Train screen.
 */
import type { RunDetail } from '../../src-main/api/contract';
import { INIT_SCHEMES, LAYERS, OPTIMIZERS, SCHEDULES } from '../../src-main/engine/registry';
import { count, pct } from './format';

export interface ComparisonRow {
  section: 'Data' | 'Network' | 'Settings';
  key: string;
  values: string[];
  differs: boolean;
}

export interface ComparisonContext {
  /** the dataset's training samples in all, when the window knows the dataset */
  datasetTrainCount(datasetId: string): number | undefined;
  /** a device as the Train screen names it */
  deviceName(id: string): string;
}

/** Settings by their key path, in the Train screen's words. */
export const SETTING_NAMES: Record<string, string> = {
  epochs: 'Epochs',
  batchSize: 'Batch size',
  lr: 'Learning rate',
  'optimizer.kind': 'Optimizer',
  'schedule.kind': 'Learning-rate schedule',
  'schedule.every': 'Divide the rate every (epochs)',
  'schedule.factor': 'Divide the rate by',
  'schedule.minLr': 'Lowest learning rate',
  validation: 'Set aside to choose the epoch kept',
  patience: 'Stop early after (epochs with no gain)',
  evalEvery: 'Check on the test set every (epochs)',
  init: 'Starting weights',
  seed: 'Random seed',
  device: 'Device asked for',
};

const labelsOf = (modules: Record<string, { label: string }>): Record<string, string> => Object.fromEntries(Object.entries(modules).map(([k, m]) => [k, m.label]));

/** Values of choices, as the Train screen's menus say them (the registry's labels). */
const VALUE_WORDS: Record<string, Record<string, string>> = {
  'optimizer.kind': labelsOf(OPTIMIZERS),
  'schedule.kind': labelsOf(SCHEDULES),
  init: labelsOf(INIT_SCHEMES),
};

/**
 * An optimizer's own settings by their registry field: an everyday label as it is ("Weight
 * decay"), a technical one (β1, Nesterov: the Advanced ones) by the line that explains it.
 */
const OPTIMIZER_FIELD_NAMES: Record<string, string> = Object.fromEntries(
  Object.values(OPTIMIZERS).flatMap((m) => m.fields.map((f) => [`optimizer.${f.name}`, f.advanced ? f.help : f.label])),
);

/** "augment.maxShift" → "Augment: max shift": a setting without a name of its own. */
export function keyWords(key: string): string {
  const words = key.split('.').map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase());
  const [first, ...rest] = words;
  const head = first.charAt(0).toUpperCase() + first.slice(1);
  return rest.length ? `${head}: ${rest.join(', ')}` : head;
}

function valueWords(key: string, v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map((x) => valueWords(key, x)).join(', ');
  if (typeof v === 'number') return Number.isInteger(v) ? count(v) : String(v);
  return VALUE_WORDS[key]?.[String(v)] ?? String(v);
}

/** A layer stack in plain words: "128 units → ReLU → 10 units". */
export function layersWords(r: RunDetail): string {
  return r.model.layers
    .map((l) => {
      if (l.kind === 'linear') return `${count(l.units)} units${l.bias ? '' : ' (no bias)'}`;
      if (l.kind === 'dropout') return `switch off ${pct(l.p)}`;
      // an activation by its registry label, as the Model screen names it
      return LAYERS[l.kind].label;
    })
    .join(' → ');
}

/** The data a run saw, as rows. */
function dataRows(r: RunDetail, ctx: ComparisonContext): Record<string, string> {
  const all = ctx.datasetTrainCount(r.datasetId);
  const train = r.samples?.train;
  const setAside = train !== undefined ? Math.round(train * (r.config.validation ?? 0)) : undefined;
  return {
    Dataset: r.datasetName,
    // 6,000 against 60,000 training samples is often the biggest difference between two runs
    'Training samples used': train === undefined ? '—' : all !== undefined && train < all ? `${count(train)} of ${count(all)} (a quick try)` : `${count(train)} (all)`,
    'Set aside to choose the epoch kept': setAside ? `${count(setAside)} (${pct(r.config.validation ?? 0)})` : 'none (the last epoch is kept)',
    'Trained on (the rest)': train === undefined ? '—' : count(train - (setAside ?? 0)),
    'Test samples': r.samples ? count(r.samples.test) : '—',
  };
}

function networkRows(r: RunDetail, ctx: ComparisonContext): Record<string, string> {
  return {
    Network: r.architecture,
    Weights: count(r.params),
    Layers: layersWords(r),
    Device: ctx.deviceName(r.device),
    ...(r.deviceReason ? { 'Why this device': r.deviceReason } : {}),
  };
}

/** Every setting of the run's record, by key path (nested settings flattened). */
function settingRows(r: RunDetail, ctx: ComparisonContext): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (key: string, v: unknown): void => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) walk(key ? `${key}.${k}` : k, x);
      return;
    }
    // shown with the data
    if (key === 'validation') return;
    const name = SETTING_NAMES[key] ?? OPTIMIZER_FIELD_NAMES[key] ?? keyWords(key);
    out[name] = key === 'device' ? ctx.deviceName(String(v)) : valueWords(key, v);
  };
  walk('', r.config);
  return out;
}

/** The comparison's rows: data, network, settings; a row differs when its values are not all the same. */
export function comparisonRows(runs: RunDetail[], ctx: ComparisonContext): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const sections: [ComparisonRow['section'], (r: RunDetail) => Record<string, string>][] = [
    ['Data', (r) => dataRows(r, ctx)],
    ['Network', (r) => networkRows(r, ctx)],
    ['Settings', (r) => settingRows(r, ctx)],
  ];
  for (const [section, of] of sections) {
    const flat = runs.map(of);
    const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))];
    for (const key of keys) {
      const values = flat.map((f) => f[key] ?? '—');
      rows.push({ section, key, values, differs: new Set(values).size > 1 });
    }
  }
  return rows;
}
