/**
 * mlp-studio: the headless studio. Train, import, manage runs, export, serve, bench.
 * Every subcommand works on the same data folder as the app (studioHome(); MLP_STUDIO_HOME).
 */
import fs from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { doneFigures, doneLines, epochBar, printTrainEvent } from './cli-output';
import { DEVICE_CHOICES, isNodeDevice, NODE_DEVICES, presetById, presets, validateConfig, validateSpec, type DeviceChoice, type LayerSpec, type ModelSpec, type NodeDevice, type TrainConfig, type TrainEvent } from './engine/index';
import { DatasetLibrary } from './datasets/library';
import { stopOnSignals } from './runs/signals';
import { DuplicateDatasetError } from './datasets/errors';
import { studioHome } from './paths';
import { WRITING_COMMANDS, cleanLeftoversAtStart } from './leftovers';
import { datasetRefOf } from './runs/record';
import { RunStore } from './runs/store';
import { startTraining } from './runs/training';
import { tablePreset, type TableSize } from './engine/table-defaults';
import { DROPOUT_P, INIT_SCHEME_NAMES, LAYERS, LAYER_KINDS, OPTIMIZERS, OPTIMIZER_KINDS, SCHEDULES, SCHEDULE_KINDS, fieldsProblem, rangeWords, scheduleModule, within, type LayerKind, type OptimizerKind, type ScheduleKind } from './engine/registry/index';
import { parseAugment, validateAugment, type AugmentConfig } from './engine/augment';
import { registerRunCommands } from './runs/cli';
import { selectRuntime } from './runtime/select';
import { deviceProblemHere } from './runtime/devices';
import { registerServeCommand } from './host/cli';
import { registerDatasetCommands } from './datasets/cli';

const int = (name: string, min = 0) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

const fractionArg = (name: string, max: number) => (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n <= max)) throw new InvalidArgumentError(`${name} must be a fraction from 0 to ${max} (e.g. 0.1 for 10 %)`);
  return n;
};

/** --augment: the settings as engine/augment.ts reads them, a refusal in commander's words */
const augmentArg = (v: string): AugmentConfig => {
  try {
    return parseAugment(v);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
};

/** --optimizer's help for one optimizer: its name, its words and the settings it starts from (the registry's) */
function optimizerWords(k: OptimizerKind): string {
  const settings = Object.entries(OPTIMIZERS[k].create()).filter(([key]) => key !== 'kind');
  return `${k}: ${OPTIMIZERS[k].label.toLowerCase()}${settings.length ? ` (${settings.map(([key, v]) => `${key} ${v}`).join(', ')})` : ''}`;
}

/** A schedule's settings in the order --schedule takes them: the registry's fields, the required ones first. */
const scheduleFields = (k: ScheduleKind) => [...SCHEDULES[k].fields].sort((a, b) => Number(!!a.optional) - Number(!!b.optional));
/** How --schedule is written: a kind, then its required settings, ':'-separated; the ones without required settings first. */
const SCHEDULE_FORMS = [...SCHEDULE_KINDS]
  .map((k) => [k, ...scheduleFields(k).filter((f) => !f.optional).map((f) => f.name.toUpperCase())])
  .sort((a, b) => a.length - b.length)
  .map((form) => form.join(':'));

/**
 * --schedule: a schedule's kind and its settings in order (step:10:2 divides the rate by 2
 * every 10 epochs); the optional ones may follow (cosine:0.001 ends at 0.001) or stay absent.
 */
export function parseSchedule(v: string): TrainConfig['schedule'] {
  const [kind, ...values] = v.split(':');
  const m = scheduleModule({ kind });
  const usage = `use ${SCHEDULE_FORMS.slice(0, -1).join(', ')}, or ${SCHEDULE_FORMS.at(-1)} (e.g. step:10:2 halves the rate every 10 epochs)`;
  const fields = m ? scheduleFields(m.kind) : [];
  const required = fields.filter((f) => !f.optional).length;
  if (!m || values.length < required || values.length > fields.length || values.some((x) => x.trim() === '' || !Number.isFinite(Number(x)))) throw new InvalidArgumentError(usage);
  const schedule: Record<string, unknown> = { kind };
  values.forEach((x, i) => (schedule[fields[i].name] = Number(x)));
  const problem = fieldsProblem(fields, schedule);
  if (problem) throw new InvalidArgumentError(`${problem}; ${usage}`);
  return schedule as TrainConfig['schedule'];
}

function parseLayers(v: string): number[] {
  const units = v.split(',').map((s) => Number(s.trim()));
  if (units.length === 0 || units.some((u) => !Number.isInteger(u) || u < 1)) throw new InvalidArgumentError('give hidden layer widths as whole numbers, e.g. 1000,1500');
  return units;
}

/** the activations --activation offers: the registry's layer kinds that act on a linear layer's output */
const ACTIVATIONS = LAYER_KINDS.filter((k) => LAYERS[k].role === 'activation');

interface TrainFlags {
  dataset: string;
  /** absent: the lecture for pictures, settings chosen by its size for a table */
  preset?: string;
  layers?: number[];
  activation?: LayerKind;
  bias?: boolean;
  dropout?: number;
  epochs?: number;
  batch?: number;
  lr?: number;
  optimizer?: OptimizerKind;
  schedule?: TrainConfig['schedule'];
  evalEvery?: number;
  validation?: number;
  patience?: number;
  /** pictures only: how the training samples are varied (--augment shift=2,rotate=10) */
  augment?: AugmentConfig;
  seed?: number;
  device: DeviceChoice;
  init?: TrainConfig['init'];
  limitTrain?: number;
  limitTest?: number;
  runDir?: string;
  name?: string;
  json?: boolean;
  progress?: boolean;
}

/**
 * The model and config a set of flags asks for: the preset, with the flags on top. Without a
 * preset, a table (`table` given) starts from the settings chosen for its size
 * (engine/table-defaults.ts), anything else from the lecture.
 */
export function modelAndConfig(f: TrainFlags, inputShape: number[], classes: number, table?: TableSize): { model: ModelSpec; config: TrainConfig } {
  const preset = f.preset !== undefined ? presetById(f.preset) : table ? tablePreset(table) : presetById('lecture');
  const baseModel = preset.model(inputShape, classes);
  let model = baseModel;
  if (f.layers || f.activation || f.bias !== undefined || f.dropout !== undefined) {
    const base = baseModel.layers;
    const widths = f.layers ?? base.filter((l): l is Extract<LayerSpec, { kind: 'linear' }> => l.kind === 'linear').slice(0, -1).map((l) => l.units);
    const act = f.activation ?? base.find((l) => ACTIVATIONS.includes(l.kind))?.kind ?? 'relu';
    const bias = f.bias ?? (base.find((l) => l.kind === 'linear') as { bias: boolean } | undefined)?.bias ?? true;
    const layers: LayerSpec[] = [];
    for (const w of widths) {
      layers.push({ kind: 'linear', units: w, bias });
      layers.push(LAYERS[act].create(w));
      if (f.dropout) layers.push({ kind: 'dropout', p: f.dropout });
    }
    layers.push({ kind: 'linear', units: baseModel.classes, bias });
    model = { ...baseModel, layers };
  }
  const c = preset.config();
  // --optimizer NAME: the registry's defaults for it, the same the Train screen and the search start from
  const optimizer: TrainConfig['optimizer'] = f.optimizer === undefined ? c.optimizer : OPTIMIZERS[f.optimizer].create();
  const config: TrainConfig = {
    ...c,
    epochs: f.epochs ?? c.epochs,
    batchSize: f.batch ?? c.batchSize,
    lr: f.lr ?? c.lr,
    optimizer,
    schedule: f.schedule ?? c.schedule,
    evalEvery: f.evalEvery ?? c.evalEvery,
    validation: f.validation ?? c.validation ?? 0,
    patience: f.patience ?? c.patience ?? 0,
    seed: f.seed ?? c.seed,
    init: f.init ?? c.init,
    device: f.device,
    ...(f.augment ? { augment: f.augment } : {}),
  };
  validateSpec(model);
  validateConfig(config);
  return { model, config };
}

/** A dataset by library name or id, 'mnist' for the bundled one, or a path to import. */
export async function resolveDataset(library: DatasetLibrary, ref: string, log: (s: string) => void) {
  if (ref.toLowerCase() === 'mnist') return library.ensureBundledMnist();
  if (fs.existsSync(ref)) {
    try {
      const meta = await library.import([ref]);
      log(`imported ${ref} as "${meta.name}" (${meta.id})`);
      return meta;
    } catch (e) {
      if (e instanceof DuplicateDatasetError) return library.get(e.existingId);
      throw e;
    }
  }
  return library.get(ref);
}

/** Throws, naming the device, the reason and what to install, when `device` cannot train here. */
export async function checkDevice(device: DeviceChoice): Promise<void> {
  const problem = await deviceProblemHere(device);
  if (problem) throw new Error(`${problem}. Train with --device cpu, or --device auto for the fastest device that works here; nothing was created.`);
}

async function train(f: TrainFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const home = studioHome();
  const library = new DatasetLibrary(home);
  const log = f.json ? err : out;
  // a device that cannot be used is refused before anything is imported or created
  await checkDevice(f.device);
  const meta = await resolveDataset(library, f.dataset, log);
  const data = await library.loadTrainingData(meta.id, { limitTrain: f.limitTrain, limitTest: f.limitTest });
  const inputShape = data.sampleShape;
  const table: TableSize | undefined = meta.kind === 'tabular' ? { rows: data.train.n, features: data.sampleSize, task: data.task, classes: data.classNames.length } : undefined;
  const { model, config } = modelAndConfig(f, inputShape, data.classNames.length, table);
  validateAugment(config.augment, meta);
  if (table && f.preset === undefined) log(`settings chosen for this table: ${tablePreset(table).description}`);
  const selection = await selectRuntime(config.device, model, config, data);
  if (config.device === 'auto') log(selection.reason);
  const store = new RunStore(home, f.runDir);
  const run = await store.create({
    model,
    config,
    name: f.name,
    device: selection.device,
    ...(config.device === 'auto' ? { deviceReason: selection.reason } : {}),
    dataset: datasetRefOf(meta, f),
  });
  let finished: Extract<TrainEvent, { event: 'done' }> | null = null;
  const bar = epochBar(!f.json && f.progress !== false);
  const onEvent = (e: TrainEvent) => {
    if (f.json) {
      if (e.event === 'done') finished = e;
      else if (e.event !== 'batch') out(JSON.stringify(e));
      return;
    }
    if (e.event === 'start') {
      out(`dataset: ${meta.name} (${data.train.n} train, ${data.test.n} test samples)`);
      out(`model: ${model.layers.length} layers, ${e.params.toLocaleString('en-US')} parameters`);
      out(`device: ${e.device}`);
      out(`run: ${run.id}`);
    } else printTrainEvent(e, out, err, bar, data.task);
  };
  const handle = await startTraining({ store, runId: run.id, data, runtime: selection.runtime, onEvent });
  const signals = stopOnSignals(handle);
  const result = await handle.done;
  signals.dispose();
  const runDir = store.paths(run.id).dir;
  if (f.json) out(JSON.stringify({ event: 'done', runId: run.id, runDir, status: result.status, ...doneFigures(result), epochs: result.epochs, seconds: (finished as { seconds: number } | null)?.seconds ?? null }));
  else if (result.status === 'finished') for (const line of doneLines(result, runDir, undefined, data.task)) out(line);
  return result.status === 'finished' ? 0 : result.status === 'stopped' ? signals.exitCode : 1;
}

export function buildProgram(out: (s: string) => void, err: (s: string) => void, setCode: (c: number) => void): Command {
  const program = new Command('mlp-studio')
    .description('Train multi-layer perceptrons, headless. The data folder is shared with the app (set MLP_STUDIO_HOME to use another).')
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => err(s.trimEnd()) })
    .exitOverride()
    .showHelpAfterError('(run mlp-studio --help for usage)')
    // what killed processes left (day-old staging folders, abandoned uploads) goes before a command writes
    .hook('preAction', async (_program, action) => {
      if (WRITING_COMMANDS.has(action.name())) await cleanLeftoversAtStart(studioHome());
    });

  program
    .command('train')
    .description('train a network and print the lecture-style epoch lines')
    .option('--dataset <ref>', 'mnist (bundled), a library dataset name or id, or a path to import', 'mnist')
    .addOption(new Option('--preset <id>', 'starting point for the model and hyperparameters (default: lecture; for a table, settings chosen by its size)').choices(presets.map((p) => p.id)))
    .option('--layers <widths>', 'hidden layer widths, e.g. 1000,1500', parseLayers)
    .addOption(new Option('--activation <name>', 'activation after each hidden layer').choices([...ACTIVATIONS]))
    .option('--bias', 'linear layers have biases')
    .option('--no-bias', 'linear layers have no biases')
    .option('--dropout <p>', 'dropout after each hidden activation', (v) => {
      const p = Number(v);
      if (v.trim() === '' || !within(DROPOUT_P, p)) throw new InvalidArgumentError(`dropout must be ${rangeWords(DROPOUT_P)}`);
      return p;
    })
    .option('--epochs <n>', 'passes over the training set', int('epochs', 1))
    .option('--batch <n>', 'samples per step', int('batch', 1))
    .option('--lr <x>', 'learning rate', positive('lr'))
    .addOption(new Option('--optimizer <name>', OPTIMIZER_KINDS.map(optimizerWords).join('; ')).choices(OPTIMIZER_KINDS))
    .option('--schedule <s>', `${SCHEDULE_FORMS.join(' | ')}; optional settings may follow (cosine:MINLR)`, parseSchedule)
    .option('--eval-every <n>', 'test-set evaluation every N epochs (and at the end): a report, it chooses nothing', int('eval-every', 0))
    .option('--validation <fraction>', 'part of the training set set aside to choose the epoch the run keeps, e.g. 0.1 (default: the preset\'s; the lecture 0: its last epoch is kept)', fractionArg('validation', 0.5))
    .option('--patience <n>', 'stop early after N epochs without a better validation error (0: off; default: the preset\'s)', int('patience', 0))
    .option('--augment <settings>', 'pictures only: vary the training pictures at every epoch, e.g. shift=2,rotate=10,scale=10,brightness=10,contrast=10,noise=2,flip (pixels, degrees, per cent; flip not for digits)', augmentArg)
    .option('--seed <n>', 'random seed (permutations, initialisation, dropout)', int('seed', 0))
    .addOption(new Option('--init <scheme>', 'weight initialisation').choices(INIT_SCHEME_NAMES))
    .addOption(new Option('--device <d>', 'where to train; auto times the model on each available hardware device and takes the fastest').choices([...DEVICE_CHOICES]).default('cpu'))
    .option('--limit-train <n>', 'train on the first N samples only', int('limit-train', 1))
    .option('--limit-test <n>', 'test on the first N samples only', int('limit-test', 1))
    .option('--run-dir <dir>', 'folder that holds the run folders (default: the studio data folder)')
    .option('--name <name>', 'a name for the run')
    .option('--json', 'one JSON object per line instead of text')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: TrainFlags) => setCode(await train(flags, out, err)));

  program
    .command('bench')
    .description('benchmark a training step against the bare matmuls, a lecture epoch, and batch sizes')
    .option('--json', 'one JSON object')
    .option('--quick', 'fewer repetitions')
    .option('--devices <list>', `per device instead: the lecture step (ms, GFLOP/s, ratio to the bare matmuls on that device) and a lecture epoch; "all" (every device that works here) or some of ${NODE_DEVICES.join(',')}`)
    .option('--markdown <file>', 'with --devices: also append the results to FILE as a table (BENCHMARKS.md)')
    .action(async (o: { json?: boolean; quick?: boolean; devices?: string; markdown?: string }) => {
      if (o.markdown !== undefined && o.devices === undefined) {
        err('mlp-studio bench: --markdown goes with --devices');
        return setCode(2);
      }
      if (o.devices !== undefined) {
        const list = o.devices === 'all' ? undefined : o.devices.split(',').map((d) => d.trim());
        const unknown = list?.filter((d) => !isNodeDevice(d)) ?? [];
        if (list?.length === 0 || unknown.length) {
          err(`mlp-studio bench: unknown device ${unknown.map((d) => `"${d}"`).join(', ') || '""'}; --devices takes "all" or some of ${NODE_DEVICES.join(', ')}`);
          return setCode(2);
        }
        const { runGpuBench } = await import('../bench/gpu-bench');
        await runGpuBench({ json: !!o.json, quick: !!o.quick, devices: list as NodeDevice[] | undefined, markdownFile: o.markdown, log: out });
        return;
      }
      const { runEngineBench } = await import('../bench/engine-bench');
      await runEngineBench({ json: !!o.json, quick: o.quick, log: out });
    });

  registerDatasetCommands(program);

  registerServeCommand(program);

  registerRunCommands(program, setCode);

  return program;
}

export async function main(argv: string[], out: (s: string) => void = (s) => console.log(s), err: (s: string) => void = (s) => console.error(s)): Promise<number> {
  let code = 0;
  const program = buildProgram(out, err, (c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
