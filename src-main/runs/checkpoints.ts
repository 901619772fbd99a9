/**
 * A run's `checkpoints/` folder: `epoch-000007.ckpt` files (every `every` epochs and after the
 * last one), plus `best.ckpt`, the checkpoint the run keeps as its model: the lowest validation
 * error so far, or the last epoch for a run without a validation part (runs of older studios:
 * the lowest test error; run.json's progress.keptBy says which rule chose it). Only the newest
 * `keepLast` epoch files are kept; `best.ckpt` is kept whatever its age. `mid-epoch.ckpt` holds
 * where an epoch stood when training was stopped inside it, or when the periodic save inside a
 * long epoch last ran; resume continues from it, and the next epoch end removes it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AtomicWriteOptions } from './atomic';
import { removeStaleTemps, writeFileAtomic } from './atomic';
import { CheckpointError, peekCheckpoint, readCheckpoint, writeCheckpoint, type CheckpointInfo, type CheckpointState, type LoadedCheckpoint } from './checkpoint';

export interface CheckpointPolicy {
  /** write a checkpoint every N epochs (the last epoch is always written) */
  every: number;
  /** keep the newest N epoch checkpoints (best.ckpt comes on top) */
  keepLast: number;
}

export const defaultCheckpointPolicy = (): CheckpointPolicy => ({ every: 1, keepLast: 3 });

export type CheckpointChoice = 'best' | 'last' | number;

/**
 * The rule that chose best.ckpt: the lowest validation error, the last epoch (no validation
 * part: nothing is chosen), or the lowest test error (runs of studios before the validation split).
 */
export type KeptRule = 'validation' | 'last' | 'test';

export interface CheckpointEntry extends CheckpointInfo {
  file: string;
  kind: 'epoch' | 'best';
}

/** What a run's checkpoints must agree with: a checksum only says a file is whole, not that it is this run's. */
export interface RunExpectation {
  runId: string;
  /** the epochs the run trains */
  epochs: number;
  /** the number of trainable parameters of the run's model */
  params: number;
}

export interface Rejected {
  file: string;
  reason: string;
}

const EPOCH_RE = /^epoch-(\d+)\.ckpt$/;
export const BEST_FILE = 'best.ckpt';
export const MID_EPOCH_FILE = 'mid-epoch.ckpt';

export class CheckpointFolder {
  constructor(
    readonly dir: string,
    readonly policy: CheckpointPolicy = defaultCheckpointPolicy(),
    readonly expect?: RunExpectation,
  ) {
    if (!Number.isInteger(policy.every) || policy.every < 1) throw new Error(`checkpoint interval must be a whole number of epochs ≥ 1 (got ${policy.every})`);
    if (!Number.isInteger(policy.keepLast) || policy.keepLast < 1) throw new Error(`checkpoints to keep must be ≥ 1 (got ${policy.keepLast})`);
  }

  epochFile(epoch: number): string {
    return path.join(this.dir, `epoch-${String(epoch).padStart(6, '0')}.ckpt`);
  }

  get bestFile(): string {
    return path.join(this.dir, BEST_FILE);
  }

  get midEpochFile(): string {
    return path.join(this.dir, MID_EPOCH_FILE);
  }

  /** Writes where the epoch stands, inside it (state.partial is set): on a stop, and every so often in a long epoch. */
  async saveMidEpoch(state: CheckpointState, opts: { write?: AtomicWriteOptions } = {}): Promise<string> {
    if (!state.partial) throw new Error('saveMidEpoch needs a checkpoint taken inside an epoch');
    await fs.mkdir(this.dir, { recursive: true });
    await writeCheckpoint(this.midEpochFile, state, null, opts.write, this.expect?.runId);
    return this.midEpochFile;
  }

  /**
   * Reads a checkpoint and checks it against the run: whole (checksum), for this run, of an
   * epoch the run has (epoch files: the one their name says), with the model's parameter count.
   */
  async read(file: string): Promise<LoadedCheckpoint> {
    const c = await readCheckpoint(file);
    const problem = this.mismatch(c);
    if (problem) throw new CheckpointError(file, `${file}: ${problem}; the file does not belong to this run (copied from elsewhere or edited), so it is not used`);
    return c;
  }

  private mismatch(c: LoadedCheckpoint): string | null {
    const named = EPOCH_RE.exec(path.basename(c.file));
    if (named && Number(named[1]) !== c.epoch) return `its header says epoch ${c.epoch}, its name epoch ${Number(named[1])}`;
    const x = this.expect;
    if (!x) return null;
    if (c.run !== undefined && c.run !== x.runId) return `it belongs to run ${c.run}, not ${x.runId}`;
    if (c.epoch > x.epochs || (c.state.partial && c.epoch >= x.epochs)) return `its header says epoch ${c.epoch}${c.state.partial ? ' (inside it)' : ''}, but this run trains ${x.epochs} epochs`;
    const params = c.state.params.reduce((n, p) => n + p.length, 0);
    if (params !== x.params) return `it holds ${params} parameters, but this run's model has ${x.params}`;
    return null;
  }

  /**
   * Refuses, naming it, anything but a plain file where the studio keeps a checkpoint (a folder
   * named best.ckpt, say): resuming would otherwise fail on it half-way with EISDIR.
   */
  async checkLayout(): Promise<void> {
    const st = await fs.lstat(this.dir).catch(() => null);
    if (!st) return;
    if (!st.isDirectory()) throw new CheckpointError(this.dir, `${this.dir} is not a folder (the run's checkpoints folder); move it away, then resume`);
    for (const n of await fs.readdir(this.dir)) {
      if (!EPOCH_RE.test(n) && n !== BEST_FILE && n !== MID_EPOCH_FILE) continue;
      const file = path.join(this.dir, n);
      const s = await fs.lstat(file);
      if (!s.isFile()) throw new CheckpointError(file, `${file} is a ${s.isDirectory() ? 'folder' : 'link or special file'} where the studio keeps a checkpoint file; move it out of ${this.dir} (or delete it), then resume`);
    }
  }

  /** Epoch checkpoint files present, newest first (headers only; checksums are checked on load). */
  async list(): Promise<CheckpointEntry[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    const out: CheckpointEntry[] = [];
    for (const n of names) {
      const m = EPOCH_RE.exec(n);
      if (!m && n !== BEST_FILE) continue;
      const file = path.join(this.dir, n);
      const info = await peekCheckpoint(file);
      const epoch = m ? Number(m[1]) : (info?.epoch ?? -1);
      out.push({
        file,
        kind: m ? 'epoch' : 'best',
        epoch,
        step: info?.step ?? -1,
        testError: info?.testError ?? null,
        createdAt: info?.createdAt ?? '',
        ...(info?.validationError !== undefined ? { validationError: info.validationError } : {}),
        ...(info?.validationLoss !== undefined ? { validationLoss: info.validationLoss } : {}),
      });
    }
    return out.sort((a, b) => b.epoch - a.epoch || (a.kind === 'epoch' ? -1 : 1));
  }

  /** Test error stored in best.ckpt, or null when there is none (or it is unreadable). */
  async bestTestError(): Promise<number | null> {
    return (await peekCheckpoint(this.bestFile))?.testError ?? null;
  }

  /**
   * After a crash between an epoch file and best.ckpt: makes best.ckpt the checkpoint `rule`
   * keeps among best.ckpt and the epoch files up to `epoch` (lowest validation error, or test
   * error for runs of older studios, the earliest on a tie, as save() keeps it; or the newest
   * for 'last'), copying a verified epoch file when it beats best.ckpt or there is none.
   * Returns its test and validation errors, epoch and contents, or null when there is none.
   */
  async rebuildBest(
    epoch: number,
    rule: KeptRule = 'test',
  ): Promise<{ testError: number | null; validationError: number | null; validationLoss?: number; epoch: number; checkpoint: LoadedCheckpoint } | null> {
    // a number to predict: its validation loss chose the kept epoch
    const score = (e: CheckpointEntry) => (rule === 'validation' ? (e.validationLoss ?? e.validationError ?? null) : rule === 'test' ? e.testError : -e.epoch);
    const rank = (e: CheckpointEntry) => [score(e)!, e.epoch, e.kind === 'best' ? 0 : 1];
    const candidates = (await this.list())
      .filter((e) => score(e) !== null && e.epoch <= epoch)
      .sort((a, b) => {
        const [x, y] = [rank(a), rank(b)];
        return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
      });
    for (const c of candidates) {
      try {
        const checkpoint = await this.read(c.file);
        if (c.kind !== 'best') await writeFileAtomic(this.bestFile, await fs.readFile(c.file));
        return { testError: c.testError, validationError: c.validationError ?? null, ...(c.validationLoss !== undefined ? { validationLoss: c.validationLoss } : {}), epoch: c.epoch, checkpoint };
      } catch {
        // damaged: the next best candidate
      }
    }
    return null;
  }

  /**
   * Called at the end of every epoch. Writes the epoch checkpoint when the policy says so (or
   * `force`), replaces best.ckpt when `keep` says this epoch is the one the run keeps (without
   * `keep`: when `testError` beats best.ckpt's, the rule of older studios), then prunes old epoch files.
   */
  async save(
    state: CheckpointState,
    testError: number | null,
    opts: { force?: boolean; bestSoFar?: number | null; write?: AtomicWriteOptions; keep?: boolean } = {},
  ): Promise<{ wrote: string[]; isBest: boolean }> {
    await fs.mkdir(this.dir, { recursive: true });
    const wrote: string[] = [];
    if (opts.force || state.epoch % this.policy.every === 0) {
      const f = this.epochFile(state.epoch);
      await writeCheckpoint(f, state, testError, opts.write, this.expect?.runId);
      wrote.push(f);
    }
    let isBest: boolean;
    if (opts.keep !== undefined) isBest = opts.keep;
    else {
      const best = opts.bestSoFar !== undefined ? opts.bestSoFar : await this.bestTestError();
      isBest = testError !== null && (best === null || testError < best);
    }
    if (isBest) {
      await writeCheckpoint(this.bestFile, state, testError, opts.write, this.expect?.runId);
      wrote.push(this.bestFile);
    }
    // an epoch end supersedes where an earlier epoch stood
    await fs.rm(this.midEpochFile, { force: true });
    await this.prune();
    return { wrote, isBest };
  }

  async prune(): Promise<string[]> {
    const epochs = (await this.list()).filter((e) => e.kind === 'epoch');
    const doomed = epochs.slice(this.policy.keepLast);
    for (const e of doomed) await fs.rm(e.file, { force: true });
    return doomed.map((e) => e.file);
  }

  /**
   * Deletes half-written temporary files, epoch checkpoints newer than `epoch` (a resume from
   * `epoch` makes them stale) and mid-epoch.ckpt unless it is `resumingFrom`.
   */
  async cleanForResume(epoch: number, resumingFrom?: string): Promise<void> {
    await removeStaleTemps(this.dir);
    for (const e of await this.list()) if (e.kind === 'epoch' && e.epoch > epoch) await fs.rm(e.file, { force: true });
    if (resumingFrom !== this.midEpochFile) await fs.rm(this.midEpochFile, { force: true });
  }

  /**
   * The newest checkpoint whose checksum verifies, among epoch files and best.ckpt alike; with
   * `includeMidEpoch` (resuming), mid-epoch.ckpt first when it is at least as new as every
   * epoch file. Exports and evaluations stay on whole epochs, whose number says what they
   * hold. Damaged files are skipped and reported in `rejected`; null when nothing usable exists.
   */
  async loadLatestGood(opts: { includeMidEpoch?: boolean } = {}): Promise<{ checkpoint: LoadedCheckpoint | null; rejected: Rejected[] }> {
    const rejected: Rejected[] = [];
    const entries = await this.list();
    if (opts.includeMidEpoch && (await fs.stat(this.midEpochFile).then(() => true, () => false))) {
      try {
        const mid = await this.read(this.midEpochFile);
        // older than an epoch file: stale (an epoch end removes it; a crash just after may not have)
        if (entries.every((e) => e.epoch <= mid.epoch)) return { checkpoint: mid, rejected };
      } catch (err) {
        rejected.push({ file: this.midEpochFile, reason: (err as Error).message });
      }
    }
    for (const e of entries) {
      try {
        return { checkpoint: await this.read(e.file), rejected };
      } catch (err) {
        rejected.push({ file: e.file, reason: (err as Error).message });
      }
    }
    return { checkpoint: null, rejected };
  }

  /** Loads the checkpoint a person asked for; a damaged file is an error that says what to choose instead. */
  async load(choice: CheckpointChoice): Promise<{ checkpoint: LoadedCheckpoint; rejected: Rejected[] }> {
    const entries = await this.list();
    if (entries.length === 0) throw new CheckpointError(this.dir, `${this.dir}: this run has no checkpoints yet (train at least one epoch first)`);
    const available = () =>
      entries
        .filter((e) => e.kind === 'epoch')
        .map((e) => e.epoch)
        .reverse()
        .join(', ');
    if (choice === 'last') {
      const { checkpoint, rejected } = await this.loadLatestGood();
      if (!checkpoint) throw new CheckpointError(this.dir, `${this.dir}: every checkpoint is damaged:\n  ${rejected.map((r) => r.reason).join('\n  ')}`);
      return { checkpoint, rejected };
    }
    if (choice === 'best') {
      if (!entries.some((e) => e.kind === 'best')) {
        throw new CheckpointError(this.bestFile, `no best checkpoint: the test set was never evaluated during this run; choose 'last' or an epoch (${available()})`);
      }
      return { checkpoint: await this.read(this.bestFile), rejected: [] };
    }
    const entry = entries.find((e) => e.kind === 'epoch' && e.epoch === choice) ?? entries.find((e) => e.kind === 'best' && e.epoch === choice);
    if (!entry) throw new CheckpointError(this.dir, `no checkpoint for epoch ${choice}; available epochs: ${available() || 'none'}${entries.some((e) => e.kind === 'best') ? ", or 'best'" : ''}`);
    return { checkpoint: await this.read(entry.file), rejected: [] };
  }
}
