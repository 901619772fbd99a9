/**
 * The run store: one folder per run under runsDir(home).
 *
 *   <runs>/<id>/run.json         RunRecord (config, dataset identity, status, progress)
 *   <runs>/<id>/metrics.jsonl    append-only training events
 *   <runs>/<id>/note.txt         the person's note (a separate file: the trainer never races with it)
 *   <runs>/<id>/artifacts/       generated train/eval/infer ONNX models
 *   <runs>/<id>/checkpoints/     see checkpoints.ts
 *   <runs>/<id>/export/          exported models, model cards, verification reports
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ModelSpec, TrainConfig, TrainEvent } from '../engine/types';
import { afterEpochsText } from '../engine/run-status';
import type { RunDetail, RunSummary } from '../api/contract';
import { runsDir } from '../paths';
import { StudioError } from '../engine/errors';
import { liveHolder, runLockFile } from '../locks';
import { writeFileAtomic } from './atomic';
import { asDiskFull, continueRun, diskErrorCode } from './diskfull';
import { CheckpointFolder, defaultCheckpointPolicy, type CheckpointPolicy } from './checkpoints';
import { compareRuns, type Comparison } from './compare';
import { MetricsWriter, readMetrics, thinBatches, type MetricsReadResult } from './metrics';
import { STUDIO_VERSION, architectureOf, countParams, defaultRunName, runRecordSchema, type DatasetRef, type RunRecord } from './record';
import { createFromReplay, replayManifest, type ReplayManifest } from './replay';
import { RunFileError, RunNotFoundError, isRunId, newRunId, runName } from './run-names';
import { damagedSummary, summaryOf } from './run-summary';

export interface CreateRunRequest {
  model: ModelSpec;
  config: TrainConfig;
  dataset: DatasetRef;
  name?: string;
  checkpointPolicy?: CheckpointPolicy;
  /** device the trainer actually uses ('cpu', 'cuda', ...); defaults to config.device */
  device?: string;
  /** why that device (the 'auto' choice's timings) */
  deviceReason?: string;
  /** the sweep this run is a trial of (a settings search) */
  group?: string;
}

export interface RunPaths {
  dir: string;
  runJson: string;
  metrics: string;
  note: string;
  artifacts: string;
  checkpoints: string;
  export: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The store for commands that name one run: `dir` when given; else, when `ref` is the path of
 * a run folder (or its run.json) anywhere on disk, the folder holding it (a run trained with
 * `train --run-dir DIR` is found as DIR/<id>); else the studio's runs folder.
 */
export function storeForRun(home: string, dir: string | undefined, ref?: string): RunStore {
  if (dir || !ref?.trim()) return new RunStore(home, dir);
  const trimmed = ref.trim();
  const folder = path.resolve(trimmed.endsWith('run.json') ? path.dirname(trimmed) : trimmed);
  const named = (trimmed.includes(path.sep) || trimmed.includes('/')) && fs.existsSync(path.join(folder, 'run.json'));
  return named ? new RunStore(home, path.dirname(folder)) : new RunStore(home);
}

export class RunStore {
  readonly dir: string;

  /** `dir`: the folder holding the run folders (default: the runs folder of `home`) */
  constructor(
    readonly home: string,
    dir?: string,
  ) {
    this.dir = dir ? path.resolve(dir) : runsDir(home);
  }

  paths(id: string): RunPaths {
    const dir = path.join(this.dir, id);
    return {
      dir,
      runJson: path.join(dir, 'run.json'),
      metrics: path.join(dir, 'metrics.jsonl'),
      note: path.join(dir, 'note.txt'),
      artifacts: path.join(dir, 'artifacts'),
      checkpoints: path.join(dir, 'checkpoints'),
      export: path.join(dir, 'export'),
    };
  }

  /** Creates the run folder with status 'running' (owned by this process). */
  async create(req: CreateRunRequest): Promise<RunRecord> {
    const id = newRunId();
    const p = this.paths(id);
    const now = new Date().toISOString();
    const record: RunRecord = {
      format: 1,
      id,
      name: runName(req.name) || defaultRunName(req.dataset, req.model, req.config),
      createdAt: now,
      updatedAt: now,
      studioVersion: STUDIO_VERSION,
      status: 'running',
      pid: process.pid,
      hostname: os.hostname(),
      dataset: req.dataset,
      model: req.model,
      config: req.config,
      checkpointPolicy: req.checkpointPolicy ?? defaultCheckpointPolicy(),
      architecture: architectureOf(req.model),
      params: countParams(req.model),
      device: req.device ?? req.config.device,
      ...(req.deviceReason ? { deviceReason: req.deviceReason } : {}),
      ...(req.group ? { group: req.group } : {}),
      progress: { epochsDone: 0, step: 0, bestTestError: null, bestEpoch: null, lastTestError: null, seconds: 0 },
      resumes: [],
      exports: [],
    };
    runRecordSchema.parse(record);
    await fsp.mkdir(this.dir, { recursive: true });
    await fsp.mkdir(p.dir);
    // run.json first: a folder without it would be no run at all; on failure the folder goes
    try {
      await this.write(record, { inPlaceOnDiskFull: false });
      for (const d of [p.artifacts, p.checkpoints, p.export]) await fsp.mkdir(d);
      await fsp.writeFile(p.metrics, '');
    } catch (err) {
      await fsp.rm(p.dir, { recursive: true, force: true });
      throw asDiskFull(err, 'train again (nothing was created).') ?? err;
    }
    return record;
  }

  /** A run id, or the path of a run folder (or of its run.json), to the run's id. */
  resolve(ref: string, opts: { exact?: boolean } = {}): string {
    const trimmed = ref.trim();
    if (!trimmed) throw new RunNotFoundError(ref, 'no run given: use a run id (see "mlp-studio runs") or a run folder');
    if (isRunId(trimmed) && fs.existsSync(path.join(this.dir, trimmed, 'run.json'))) return trimmed;
    const asPath = path.resolve(trimmed.endsWith('run.json') ? path.dirname(trimmed) : trimmed);
    if (fs.existsSync(path.join(asPath, 'run.json'))) {
      if (path.resolve(path.dirname(asPath)) !== path.resolve(this.dir)) {
        throw new RunNotFoundError(ref, `${asPath} is a run folder outside this studio's runs folder (${this.dir}); move it there, or set MLP_STUDIO_HOME to its studio folder`);
      }
      return path.basename(asPath);
    }
    if (isRunId(trimmed) && fs.existsSync(path.join(this.dir, trimmed))) {
      throw new RunNotFoundError(ref, `${path.join(this.dir, trimmed)} has no run.json (it was cut short while being created or copied): there is nothing to resume or show; delete the folder, or restore its run.json`);
    }
    const ids = this.ids();
    const matches = isRunId(trimmed) ? ids.filter((id) => id.startsWith(trimmed)) : [];
    if (!opts.exact && trimmed.length >= 4 && matches.length === 1) return matches[0];
    const hint = matches.length > 1 ? `it matches ${matches.length} runs (${matches.slice(0, 3).join(', ')}…); give more of the id` : `list runs with "mlp-studio runs"`;
    throw new RunNotFoundError(ref, `no run "${ref}" in ${this.dir}: ${hint}`);
  }

  ids(): string[] {
    try {
      return fs
        .readdirSync(this.dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(this.dir, d.name, 'run.json')))
        .map((d) => d.name)
        .sort();
    } catch {
      return [];
    }
  }

  /** run.json, validated; a run marked running whose process is gone reads as failed. */
  async get(ref: string): Promise<RunRecord> {
    const id = this.resolve(ref);
    const file = this.paths(id).runJson;
    let raw: unknown;
    try {
      raw = JSON.parse(await fsp.readFile(file, 'utf8'));
    } catch (err) {
      throw new RunFileError(file, `${file}: cannot read run record (${(err as Error).message}); the run folder is damaged: delete it or restore run.json`);
    }
    const parsed = runRecordSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RunFileError(file, `${file}: invalid run record at "${issue.path.join('.')}": ${issue.message}; restore run.json or delete the run`);
    }
    const record = parsed.data as RunRecord;
    if (record.status === 'running' && record.pid !== undefined && record.hostname === os.hostname() && record.pid !== process.pid && !isAlive(record.pid)) {
      return {
        ...record,
        status: 'failed',
        reason: `the training process (pid ${record.pid}) ended without finishing, ${afterEpochsText(record.progress.epochsDone)}; resume the run to continue from its last checkpoint`,
      };
    }
    return record;
  }

  /**
   * Writes run.json atomically. On a full disk there is no room for the temporary copy: it is
   * then rewritten in place (it is small, and a run left 'running' would be worse).
   */
  async write(record: RunRecord, opts: { inPlaceOnDiskFull?: boolean } = {}): Promise<void> {
    const file = this.paths(record.id).runJson;
    const text = JSON.stringify({ ...record, updatedAt: new Date().toISOString() }, null, 2) + '\n';
    try {
      await writeFileAtomic(file, text);
    } catch (err) {
      if (!diskErrorCode(err) || opts.inPlaceOnDiskFull === false) throw err;
      await fsp.writeFile(file, text).catch(() => {
        throw asDiskFull(err, continueRun(record.id), file);
      });
    }
  }

  /** Read-modify-write of run.json. */
  async update(ref: string, change: (r: RunRecord) => RunRecord | void): Promise<RunRecord> {
    const current = await this.get(ref);
    const draft = structuredClone(current);
    const next = change(draft) ?? draft;
    runRecordSchema.parse(next);
    await this.write(next);
    return next;
  }

  /** Records the device a run trains on now, and why (the worker's or the CLI's 'auto' choice). */
  setDevice(ref: string, device: string, reason: string | undefined): Promise<RunRecord> {
    return this.update(ref, (r) => {
      r.device = device;
      if (reason) r.deviceReason = reason;
      else delete r.deviceReason;
    });
  }

  /** The run's checkpoints; given the whole record, they are checked against its epochs and model when read. */
  checkpoints(record: Pick<RunRecord, 'id' | 'checkpointPolicy'> & Partial<Pick<RunRecord, 'config' | 'params'>>): CheckpointFolder {
    const expect = record.config && record.params !== undefined ? { runId: record.id, epochs: record.config.epochs, params: record.params } : undefined;
    return new CheckpointFolder(this.paths(record.id).checkpoints, record.checkpointPolicy, expect);
  }

  metricsWriter(id: string): MetricsWriter {
    return new MetricsWriter(this.paths(id).metrics);
  }

  metrics(id: string): MetricsReadResult {
    return readMetrics(this.paths(id).metrics);
  }

  note(id: string): string | undefined {
    try {
      const t = fs.readFileSync(this.paths(id).note, 'utf8');
      return t.length ? t : undefined;
    } catch {
      return undefined;
    }
  }

  summary(r: RunRecord): RunSummary {
    return summaryOf(r, this.note(r.id));
  }

  /** Run folders without run.json (cut short while being created or copied): listed, not hidden. */
  private incompleteIds(): string[] {
    try {
      return fs
        .readdirSync(this.dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && isRunId(d.name) && !d.name.startsWith('.') && !fs.existsSync(path.join(this.dir, d.name, 'run.json')))
        .map((d) => d.name);
    } catch {
      return [];
    }
  }

  /** Every run, newest first. A damaged run folder is listed as failed with the reason, not hidden. */
  async list(): Promise<RunSummary[]> {
    const out: RunSummary[] = [];
    const incomplete = new Set(this.incompleteIds());
    for (const id of [...this.ids(), ...incomplete].sort().reverse()) {
      try {
        if (incomplete.has(id)) {
          throw new RunFileError(this.paths(id).runJson, `${this.paths(id).dir} has no run.json (it was cut short while being created or copied): nothing in it can be resumed; delete the folder, or restore its run.json`);
        }
        out.push(this.summary(await this.get(id)));
      } catch (err) {
        out.push(damagedSummary(id, (err as Error).message));
      }
    }
    return out;
  }

  async show(ref: string): Promise<RunDetail & { problems: string[]; checkpoints: { epoch: number; kind: string; testError: number | null }[] }> {
    const r = await this.get(ref);
    const m = this.metrics(r.id);
    const metrics = thinBatches(m.records.filter((x) => x.event !== 'resume')).map(({ t: _t, ...e }) => e as TrainEvent);
    const problems = m.problems.map((p) => p.message);
    if (m.tornTail) problems.push(`${this.paths(r.id).metrics}: the last line was cut off mid-write (the process was killed) and is ignored`);
    const checkpoints = (await this.checkpoints(r).list()).map((c) => ({ epoch: c.epoch, kind: c.kind, testError: c.testError }));
    return { ...this.summary(r), model: r.model, config: r.config, metrics, problems, checkpoints };
  }

  /** Deletes a run folder; `ref` must be the full id or the folder (no prefixes: deleting is for sure). */
  async delete(ref: string): Promise<void> {
    const r = await this.get(this.resolve(ref, { exact: true }));
    if (r.status === 'running') throw new StudioError('conflict', `run ${r.id} is training right now (pid ${r.pid}); stop it before deleting it`);
    // a process that has just taken the run to continue it may not have marked it running yet
    const trainer = await liveHolder(runLockFile(this.paths(r.id).dir));
    if (trainer) throw new StudioError('conflict', `run ${r.id} is being trained by process ${trainer.pid}; stop it before deleting it`);
    await fsp.rm(this.paths(r.id).dir, { recursive: true, force: true });
  }

  /** Renames a run (the name people see in Runs and the pickers); an empty name is refused. */
  async rename(ref: string, name: string): Promise<RunSummary> {
    const clean = runName(name);
    if (!clean) throw new StudioError('bad_request', 'A run needs a name: type at least one letter or digit.');
    const r = await this.update(ref, (rec) => {
      rec.name = clean;
    });
    return this.summary(r);
  }

  replayManifest(ref: string): Promise<ReplayManifest> {
    return replayManifest(this, ref);
  }

  createFromReplay(manifest: ReplayManifest, name?: string): Promise<RunRecord> {
    return createFromReplay(this, manifest, name);
  }

  compare(refs: string[]): Promise<Comparison> {
    return compareRuns(this, refs);
  }

  async setNote(ref: string, note: string): Promise<RunSummary> {
    const r = await this.get(ref);
    await writeFileAtomic(this.paths(r.id).note, note);
    return this.summary(r);
  }

}
