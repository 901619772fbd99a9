/**
 * The run commands of the mlp-studio CLI:
 *   runs                                   list runs
 *   run show RUN | run delete RUN | run note RUN TEXT | run replay RUN | run compare RUN RUN...
 *   resume RUN                             continue a stopped or killed run from its last good checkpoint
 *   export RUN [--checkpoint best|last|EPOCH] [--out FILE.onnx]
 *   predict FILE.onnx INPUT...             images (PNG/JPEG) or a CSV of raw features
 * RUN is a run id (or a unique prefix of one) or a run folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { doneFigures, doneLines, epochBar, metricsText, printTrainEvent, units } from '../cli-output';
import { type Command, InvalidArgumentError } from 'commander';
import type { RuntimeAdapter } from '../engine/runtime';
import type { Task, TrainEvent, TrainingData } from '../engine/types';
import { DatasetLibrary } from '../datasets/library';
import { imageSettingsOf } from '../datasets/meta-schema';
import { studioHome } from '../paths';
import { createNodeRuntime } from '../runtime/node';
import { resumeChoice } from '../runtime/device-choice';
import { probeDevice } from '../runtime/devices';
import { selectRuntime } from '../runtime/select';
import type { CheckpointChoice } from './checkpoints';
import { exportRun, pct, verificationLine } from './export';
import { tableExportInput } from './export-table';
import { loadModel, predict, predictionLine, readSamples } from './predict';
import { openTableModel, predictTableCommand } from './predict-table';
import type { RunRecord } from './record';
import { stopOnSignals } from './signals';
import { RunStore, storeForRun } from './store';
import { epochCurve } from './compare';
import { resumeTraining } from './training';
import { registerTuneCommand } from './tune-cli';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  setCode: (c: number) => void;
}

function io(program: Command, setCode?: (c: number) => void): Io {
  const cfg = program.configureOutput();
  const write = (w: ((s: string) => void) | undefined, fallback: NodeJS.WriteStream) => (s: string) => (w ? w(s + '\n') : fallback.write(s + '\n'));
  return {
    out: write(cfg.writeOut, process.stdout),
    err: write(cfg.writeErr, process.stderr),
    setCode: setCode ?? ((c) => (process.exitCode = c)),
  };
}

function duration(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

export function parseCheckpointChoice(v: string): CheckpointChoice {
  if (v === 'best' || v === 'last') return v;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 1) return n;
  throw new InvalidArgumentError('use best, last, or an epoch number (1, 2, ...)');
}

/** The runs folder of `--run-dir`, of a run folder named by its path, or the studio's. */
const storeFor = (o: { runDir?: string }, ref?: string) => storeForRun(studioHome(), o.runDir, ref);

/**
 * Where a resumed or replayed run trains: on `device` (the run's) when it works here; else,
 * and for 'auto', on the fastest hardware device for the run's model (timed), with the
 * choice and why written to run.json and said.
 */
async function runtimeForRun(store: RunStore, record: RunRecord, device: string, data: TrainingData, say: (s: string) => void): Promise<{ runtime: RuntimeAdapter; device: string }> {
  const { choice, note } = await resumeChoice(device, async (d) => [await probeDevice(d)], record.deviceReason);
  const selection = await selectRuntime(choice, record.model, record.config, data);
  if (choice === 'auto') {
    const reason = note ? `${note}; ${selection.reason}` : selection.reason;
    await store.setDevice(record.id, selection.device, reason);
    say(reason);
  }
  return selection;
}

async function loadRunData(record: RunRecord) {
  const library = new DatasetLibrary(studioHome());
  let meta;
  try {
    meta = await library.get(record.dataset.id);
  } catch (e) {
    throw new Error(`run ${record.id} was trained on dataset "${record.dataset.name}" (${record.dataset.id}), which is not in the library any more (${(e as Error).message}); import it again`);
  }
  if (meta.contentHash !== record.dataset.contentHash) {
    throw new Error(`dataset "${meta.name}" (${meta.id}) has changed since run ${record.id} was trained (content hash ${meta.contentHash.slice(0, 12)}… instead of ${record.dataset.contentHash.slice(0, 12)}…)`);
  }
  const data = await library.loadTrainingData(meta.id, { limitTrain: record.dataset.limitTrain, limitTest: record.dataset.limitTest });
  return { meta, data };
}

function printEvent(e: TrainEvent, o: Io, bar: ReturnType<typeof epochBar>, task?: Task): void {
  printTrainEvent(e, o.out, o.err, bar, task);
}

/** An error figure of a run: a percentage for a category; for a number, the MAE in the target's units. */
const errorFigure = (v: number | null | undefined, task?: Task): string => (task === 'number' ? (v === null || v === undefined ? '—' : `MAE ${units(v)}`) : pct(v));

/** Adds runs, run, resume, export and predict to the mlp-studio program. */
export function registerRunCommands(program: Command, setCode?: (c: number) => void): void {
  const o = () => io(program, setCode);

  registerTuneCommand(program, (c) => o().setCode(c), o);

  program
    .command('runs')
    .description('list training runs: status, dataset, architecture, the kept model\'s test error and epoch, training time')
    .option('--json', 'a JSON array')
    .option('--run-dir <dir>', 'folder that holds the run folders (default: the studio data folder)')
    .action(async (f: { json?: boolean; runDir?: string }) => {
      const { out } = o();
      const list = await storeFor(f).list();
      if (f.json) return out(JSON.stringify(list, null, 2));
      if (list.length === 0) return out('no runs yet: train one with "mlp-studio train"');
      out(
        table([
          ['RUN', 'STATUS', 'DATASET', 'ARCHITECTURE', 'EPOCHS', 'TEST ERROR', 'TRAINING TIME', 'NOTE'],
          ...list.map((r) => [
            r.id,
            r.status === 'finished' && r.diagnosis ? 'finished, with a problem' : r.status,
            r.datasetName,
            r.architecture,
            `${r.epochsDone}/${r.epochs}`,
            r.testError !== null ? `${errorFigure(r.testError, r.task)}${r.checkpointEpoch ? ` (epoch ${r.checkpointEpoch})` : ''}` : errorFigure(r.lastTestError, r.task),
            duration(r.seconds),
            (r.note ?? '').split('\n')[0].slice(0, 40),
          ]),
        ]).join('\n'),
      );
    });

  const run = program.command('run').description('look at and manage one run (show, note, delete, replay, compare)');

  run
    .command('show')
    .argument('<run>', 'run id, id prefix, or run folder')
    .description('a run: settings, progress, curves, checkpoints, exports')
    .option('--json', 'one JSON object')
    .option('--run-dir <dir>', 'folder that holds the run folders')
    .action(async (ref: string, f: { json?: boolean; runDir?: string }) => {
      const { out, err } = o();
      const store = storeFor(f, ref);
      const d = await store.show(ref);
      const record = await store.get(d.id);
      if (f.json) return out(JSON.stringify({ ...d, run: record, curve: epochCurve(store.metrics(d.id).records) }, null, 2));
      out(`run ${d.id}: ${d.name}`);
      out(`status: ${d.status}${d.reason ? ` (${d.reason})` : ''}`);
      out(`folder: ${store.paths(d.id).dir}`);
      out(`dataset: ${record.dataset.name} (${record.dataset.id}, hash ${record.dataset.contentHash.slice(0, 12)})${record.dataset.limitTrain ? `, first ${record.dataset.limitTrain} train samples` : ''}`);
      out(`model: ${d.architecture}, ${d.params.toLocaleString('en-US')} parameters; device ${d.device}; studio ${record.studioVersion}`);
      if (d.deviceReason) out(`device choice: ${d.deviceReason}`);
      const c = d.config;
      out(`training: ${d.epochsDone}/${c.epochs} epochs, batch ${c.batchSize}, lr ${c.lr}, ${c.optimizer.kind}, schedule ${c.schedule.kind}, seed ${c.seed}, init ${c.init}; ${duration(d.seconds)}`);
      const rule = { validation: 'the lowest validation error', last: 'the last epoch (no validation part)', test: 'the lowest test error (a run of an older studio)' }[d.keptBy];
      if (d.task === 'number') {
        // a number to predict: MAE, RMSE and R² in the target's units; the validation loss chose
        const chosen = d.keptBy === 'validation' ? 'the lowest validation loss' : rule;
        const test = d.testMetrics ? metricsText(d.testMetrics) : errorFigure(d.testError, d.task);
        out(`test: ${test} of the model kept${d.checkpointEpoch ? ` (epoch ${d.checkpointEpoch}, chosen by ${chosen}${d.validationError !== null ? `; validation ${errorFigure(d.validationError, d.task)}` : ''})` : ''}; last check on the test set ${errorFigure(d.lastTestError, d.task)}`);
      } else {
        out(`test error: ${pct(d.testError)} of the model kept${d.checkpointEpoch ? ` (epoch ${d.checkpointEpoch}, chosen by ${rule}${d.validationError !== null ? `: ${pct(d.validationError)}` : ''})` : ''}; last check on the test set ${pct(d.lastTestError)}`);
        if (d.testMetrics) out(`test ${metricsText(d.testMetrics)}`);
      }
      if (record.validation) out(`validation: ${(record.validation.fraction * 100).toFixed(0)} % of the training set set aside (${record.validation.validation} samples, seed ${record.validation.seed}); trained on ${record.validation.train}`);
      if (d.stoppedEarly) out(d.stoppedEarly);
      if (d.diagnosis) out(`problem: ${d.diagnosis}`);
      if (d.note) out(`note: ${d.note}`);
      const curve = epochCurve(store.metrics(d.id).records);
      if (curve.length) {
        out('');
        const head = d.task === 'number' ? ['TRAIN MAE', 'TEST MAE'] : ['TRAIN ERROR', 'TEST ERROR'];
        const fig = (v: number | null) => (d.task === 'number' ? (v === null || Number.isNaN(v) ? '—' : units(v)) : pct(v));
        out(table([['EPOCH', 'TRAIN LOSS', ...head, 'LR', 'TIME'], ...curve.map((p) => [String(p.epoch), p.trainLoss.toFixed(4), fig(p.trainError), fig(p.testError), String(p.lr), `${p.seconds.toFixed(1)} s`])]).join('\n'));
      }
      out('');
      out(`checkpoints: ${d.checkpoints.length ? d.checkpoints.map((k) => (k.kind === 'best' ? `best (epoch ${k.epoch}, test ${d.task === 'number' ? '' : 'error '}${errorFigure(k.testError, d.task)})` : `epoch ${k.epoch}`)).join(', ') : 'none'}`);
      for (const e of record.exports) out(`export: ${e.path} (epoch ${e.checkpointEpoch}, test error ${pct(e.testError)}, verification ${e.verification.ok ? 'OK' : 'FAILED'})`);
      for (const r of record.resumes) out(`resumed ${r.at} from epoch ${r.fromEpoch}${r.fromStep ? ` (inside epoch ${r.fromEpoch + 1}, after step ${r.fromStep})` : ''}${r.rejected?.length ? ` (skipped damaged: ${r.rejected.length})` : ''}`);
      for (const p of d.problems) err(`warning: ${p}`);
    });

  run
    .command('note')
    .argument('<run>', 'run id or folder')
    .argument('<text...>', 'the note')
    .description('attach a note to a run')
    .option('--run-dir <dir>', 'folder that holds the run folders')
    .action(async (ref: string, text: string[], f: { runDir?: string }) => {
      const s = await storeFor(f, ref).setNote(ref, text.join(' '));
      o().out(`note saved on run ${s.id}`);
    });

  run
    .command('rename')
    .argument('<run>', 'run id or folder')
    .argument('<name...>', 'the new name')
    .description('rename a run (the name shown in the window and in `runs`)')
    .option('--run-dir <dir>', 'folder that holds the run folders')
    .action(async (ref: string, name: string[], f: { runDir?: string }) => {
      const s = await storeFor(f, ref).rename(ref, name.join(' '));
      o().out(`run ${s.id} is now named “${s.name}”`);
    });

  run
    .command('delete')
    .argument('<run>', 'run id or folder')
    .description('delete a run folder (checkpoints, metrics, exports); give the full id')
    .option('--run-dir <dir>', 'folder that holds the run folders')
    .action(async (ref: string, f: { runDir?: string }) => {
      const store = storeFor(f, ref);
      const id = store.resolve(ref, { exact: true });
      await store.delete(id);
      o().out(`deleted run ${id}`);
    });

  run
    .command('replay')
    .argument('<run>', 'run id or folder')
    .description('the replay manifest of a run (seed, dataset hash, split, config, version); --start trains it again')
    .option('--out <file>', 'write the manifest to a file')
    .option('--start', 'create a new run from the manifest and train it now')
    .option('--run-dir <dir>', 'folder that holds the run folders')
    .action(async (ref: string, f: { out?: string; start?: boolean; runDir?: string }) => {
      const io_ = o();
      const store = storeFor(f, ref);
      const manifest = await store.replayManifest(ref);
      const text = JSON.stringify(manifest, null, 2);
      if (f.out) {
        fs.writeFileSync(f.out, text + '\n');
        io_.out(`replay manifest written to ${path.resolve(f.out)}`);
      } else if (!f.start) io_.out(text);
      if (!f.start) return;
      const source = await store.get(ref);
      const { data } = await loadRunData(source);
      const copy = await store.createFromReplay(manifest);
      io_.out(`run: ${copy.id} (replay of ${source.id})`);
      const { startTraining } = await import('./training');
      const { runtime } = await runtimeForRun(store, copy, copy.device, data, io_.out);
      const h = await startTraining({ store, runId: copy.id, data, runtime, onEvent: (e) => printEvent(e, io_, null, data.task) });
      const signals = stopOnSignals(h);
      const r = await h.done;
      signals.dispose();
      if (r.status === 'finished') for (const line of doneLines(r, store.paths(copy.id).dir, pct, data.task)) io_.out(line);
      else io_.out(`done: ${r.status}, test error ${pct(r.testError)}`);
      io_.setCode(r.status === 'finished' ? 0 : r.status === 'stopped' ? signals.exitCode : 1);
    });

  run
    .command('compare')
    .argument('<runs...>', 'two or more run ids')
    .description('settings side by side (differences marked with *) and test errors')
    .option('--json', 'settings rows and curves as JSON')
    .option('--all', 'show settings that are equal too')
    .option('--run-dir <dir>', 'folder that holds the run folders')
    .action(async (refs: string[], f: { json?: boolean; all?: boolean; runDir?: string }) => {
      const { out } = o();
      const c = await storeFor(f).compare(refs);
      if (f.json) return out(JSON.stringify(c, null, 2));
      const rows = c.rows.filter((r) => f.all || r.differs);
      out(
        table([
          ['', 'SETTING', ...c.runs.map((r) => r.id)],
          ...rows.map((r) => [r.differs ? '*' : '', r.key, ...r.values.map((v) => (v === null ? '—' : String(v)))]),
          ['', 'test error', ...c.runs.map((r) => pct(r.testError ?? r.lastTestError))],
          ['', 'epoch kept', ...c.runs.map((r) => (r.checkpointEpoch ? String(r.checkpointEpoch) : '—'))],
          ['', 'validation error', ...c.runs.map((r) => pct(r.validationError))],
          ['', 'epochs done', ...c.runs.map((r) => String(r.epochsDone))],
          ['', 'training time', ...c.runs.map((r) => duration(r.seconds))],
        ]).join('\n'),
      );
      if (!f.all) out(`(${c.rows.length - rows.length} equal settings hidden; --all shows them)`);
    });

  program
    .command('resume')
    .argument('<run>', 'run id, id prefix, or run folder')
    .description('continue a stopped or interrupted run from its last good checkpoint')
    .option('--json', 'one JSON object per event')
    .option('--no-progress', 'no progress bar')
    .option('--force', 'resume even if the run is marked as training (its process died on another machine)')
    .option('--run-dir <dir>', 'folder that holds the run folders')
    .action(async (ref: string, f: { json?: boolean; progress?: boolean; force?: boolean; runDir?: string }) => {
      const io_ = o();
      const store = storeFor(f, ref);
      const record = await store.get(ref);
      const { meta, data } = await loadRunData(record);
      const { runtime, device } = await runtimeForRun(store, record, record.device, data, f.json ? io_.err : io_.out);
      const bar = epochBar(!f.json && f.progress !== false);
      const h = await resumeTraining({
        store,
        runId: record.id,
        data,
        runtime,
        datasetHash: meta.contentHash,
        force: f.force,
        onEvent: (e) => (f.json ? e.event !== 'batch' && io_.out(JSON.stringify(e)) : printEvent(e, io_, bar, data.task)),
      });
      for (const r of h.rejected) io_.err(`warning: skipped a damaged checkpoint: ${r.reason}`);
      if (!f.json) io_.out(`resuming run ${record.id} from epoch ${h.fromEpoch} of ${record.config.epochs} (${data.train.n} train, ${data.test.n} test samples, ${device})`);
      const signals = stopOnSignals(h);
      const r = await h.done;
      signals.dispose();
      if (f.json) io_.out(JSON.stringify({ event: 'done', runId: record.id, status: r.status, ...doneFigures(r), fromEpoch: h.fromEpoch }));
      else if (r.status === 'finished') for (const line of doneLines(r, store.paths(record.id).dir, pct, data.task)) io_.out(line);
      io_.setCode(r.status === 'finished' ? 0 : r.status === 'stopped' ? signals.exitCode : 1);
    });

  program
    .command('export')
    .argument('<run>', 'run id, id prefix, or run folder')
    .description('write the inference model (ONNX), verified against the studio on the whole test set, with a model card')
    .option('--checkpoint <which>', 'best, last, or an epoch number', parseCheckpointChoice)
    .option('--out <file>', 'the .onnx file to write (default: the run folder\'s export/, under a name not yet taken)')
    .option('--overwrite', 'replace the .onnx, .md and .verification.json of that name if they exist (refused otherwise)')
    .option('--force', 'the same as --overwrite')
    .option('--json', 'the export report as JSON')
    .option('--run-dir <dir>', 'folder that holds the run folders')
    .action(async (ref: string, f: { checkpoint?: CheckpointChoice; out?: string; overwrite?: boolean; force?: boolean; json?: boolean; runDir?: string }) => {
      const io_ = o();
      const store = storeFor(f, ref);
      const record = await store.get(ref);
      if (f.out && !f.out.toLowerCase().endsWith('.onnx')) throw new Error(`--out ${f.out}: the file name must end in .onnx`);
      const { meta, data } = await loadRunData(record);
      const imageSettings = meta.kind === 'image' ? imageSettingsOf(meta) : undefined;
      const table = await tableExportInput(new DatasetLibrary(studioHome()), meta, data.test.n);
      const r = await exportRun({ store, runId: record.id, data, runtime: createNodeRuntime('cpu'), checkpoint: f.checkpoint, out: f.out, overwrite: !!(f.overwrite || f.force), datasetHash: meta.contentHash, imageSettings, table });
      if (f.json) {
        const { modelCard: _card, ...rest } = r;
        return io_.out(JSON.stringify(rest, null, 2));
      }
      if (r.checkpoint.note) io_.err(`note: ${r.checkpoint.note}`);
      io_.out(`exported run ${r.runId}, checkpoint ${r.checkpoint.choice} (epoch ${r.checkpoint.epoch}), test ${'mae' in r.metrics ? metricsText(r.metrics) : `error ${pct(r.testError)}`}`);
      io_.out(`model: ${r.path} (${(r.bytes / 1024).toFixed(1)} KiB)`);
      io_.out(verificationLine(r.verification));
      io_.out(`report: ${r.reportPath}`);
      io_.out(`model card: ${r.modelCardPath}`);
    });

  program
    .command('predict')
    .argument('<model>', 'an .onnx file written by "mlp-studio export"')
    .argument('<inputs...>', 'PNG/JPEG images, or CSV files with one sample of raw features per row; for a model exported from a table, CSV tables with a header naming the columns')
    .description('classify images or CSV rows with an exported model: label and top probabilities; a table model scores each row of a table')
    .option('--top <k>', 'how many classes to show', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--top must be a whole number of at least 1');
      return n;
    }, 3)
    .option('--json', 'one JSON object per input')
    .option('--out <file>', 'a table model: write the table back to this CSV file with the prediction columns added')
    .action(async (file: string, inputs: string[], f: { top: number; json?: boolean; out?: string }) => {
      const { out } = o();
      const table = await openTableModel(file);
      if (table) return predictTableCommand(table, inputs, f, out);
      if (f.out !== undefined) throw new Error(`--out writes a scored table; ${file} is not a model exported from a table dataset (without --out, predict prints its answers)`);
      const model = await loadModel(file);
      try {
        const samples = await readSamples(inputs, model);
        for (const p of await predict(model, samples, f.top)) out(f.json ? JSON.stringify(p) : predictionLine(p));
      } finally {
        await model.session.release();
      }
    });
}
