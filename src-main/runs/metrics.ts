/**
 * `metrics.jsonl`: one JSON object per line, appended as training goes (batch, epoch, test,
 * done/stopped/failed events, each with a wall-clock `t` in ms). A process killed mid-append
 * leaves a torn last line: readers ignore it and writers cut it off before appending, so the
 * next line never gets glued to a fragment. A resume appends a `resume` marker; batch, epoch
 * and test events of epochs after the resumed checkpoint that precede the marker are superseded,
 * except the batches of an epoch stopped inside and continued (the marker's `step`).
 *
 * Epochs: events count them from 1 (see TrainEvent). Studios before this convention wrote
 * batch, epoch, test, stopped and failed events with 0-based epochs and no format line; every
 * writer now starts its lines with a `format` line ({"event":"format","epochsFrom":1}), and the
 * reader adds 1 to those events' epochs on the lines before the first such line. A run begun
 * by an older studio and continued by this one holds both, in that order.
 */
import fs from 'node:fs';
import { z } from 'zod';
import type { TrainEvent } from '../engine/types';

export interface ResumeMarker {
  event: 'resume';
  /** epochs completed in the checkpoint training continued from (the next epoch event is epoch + 1) */
  epoch: number;
  /** steps of that next epoch already done when training was stopped inside it */
  step?: number;
}

/** events that a resume replaces when they belong to epochs after its checkpoint */
const SUPERSEDED = new Set(['batch', 'epoch', 'test']);

/** The line each writer starts with: the events after it count epochs from 1. */
export const FORMAT_LINE = { event: 'format', epochsFrom: 1 } as const;

/** events whose `epoch` older studios wrote 0-based (validation events always counted from 1) */
const ZERO_BASED_BEFORE_FORMAT = new Set(['batch', 'epoch', 'test', 'stopped', 'failed']);

export type MetricRecord = (TrainEvent | ResumeMarker) & { t: number };

const recordSchema = z.looseObject({ event: z.string().min(1), t: z.number(), epoch: z.number().optional() });

export interface MetricsReadResult {
  /** the run's history with superseded events removed, in order */
  records: MetricRecord[];
  /** the last line was incomplete (the writer died mid-line) and was ignored */
  tornTail: boolean;
  /** lines that are not valid records (1-based line numbers); they are skipped */
  problems: { line: number; message: string }[];
}

export function parseMetrics(text: string, file = 'metrics.jsonl'): MetricsReadResult {
  const lines = text.split('\n');
  const endsClean = text.length === 0 || text.endsWith('\n');
  const last = lines.length - 1; // after split, the piece after the final '\n' ('' when clean)
  const raw: MetricRecord[] = [];
  const problems: { line: number; message: string }[] = [];
  let tornTail = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === last && !endsClean) {
        tornTail = true;
        continue;
      }
      problems.push({ line: i + 1, message: `${file}, line ${i + 1}: not valid JSON (${line.slice(0, 60)}${line.length > 60 ? '…' : ''}); the line is skipped` });
      continue;
    }
    const parsed = recordSchema.safeParse(value);
    if (!parsed.success) {
      problems.push({ line: i + 1, message: `${file}, line ${i + 1}: not a metrics record (needs "event" and "t"); the line is skipped` });
      continue;
    }
    // a complete JSON object without its newline is still a torn write of the newline only: keep it
    raw.push(parsed.data as unknown as MetricRecord);
  }
  const records: MetricRecord[] = [];
  let fromOne = false;
  for (const line of raw) {
    if ((line.event as string) === FORMAT_LINE.event) {
      fromOne = (line as unknown as { epochsFrom?: number }).epochsFrom === 1;
      continue;
    }
    // a line of an older studio: its 0-based epoch as the epoch counted from 1
    const r = !fromOne && ZERO_BASED_BEFORE_FORMAT.has(line.event) && typeof (line as { epoch?: unknown }).epoch === 'number' ? ({ ...line, epoch: (line as { epoch: number }).epoch + 1 } as MetricRecord) : line;
    if (r.event === 'resume') {
      const from = r.epoch;
      const steps = (r as ResumeMarker).step ?? 0;
      for (let j = records.length - 1; j >= 0; j--) {
        const e = records[j] as { epoch?: number; event: string; step?: number };
        if (!SUPERSEDED.has(e.event) || e.epoch === undefined) continue;
        // the marker counts epochs completed; the batches of the epoch after them that was
        // stopped inside and is continued stay up to the marker's step
        const kept = e.epoch <= from || (e.epoch === from + 1 && e.event === 'batch' && (e.step ?? Infinity) <= steps);
        if (!kept) records.splice(j, 1);
      }
    }
    records.push(r);
  }
  return { records, tornTail, problems };
}

export function readMetrics(file: string): MetricsReadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], tornTail: false, problems: [] };
    throw err;
  }
  return parseMetrics(text, file);
}

/** Cuts an incomplete last line off the file (bytes after the final newline). Returns the bytes removed. */
export function repairTail(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return 0;
    // scan backwards in blocks for the last '\n'
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const n = fs.readSync(fd, block, 0, end - start, start);
      const idx = block.subarray(0, n).lastIndexOf(0x0a);
      if (idx >= 0) return cutTail(fd, start + idx + 1, size);
      end = start;
    }
    return cutTail(fd, 0, size);
  } finally {
    fs.closeSync(fd);
  }
}

/** The bytes after `keep` are an unterminated line: a complete record gets its newline back, a fragment is cut off. */
function cutTail(fd: number, keep: number, size: number): number {
  if (keep >= size) return 0;
  const tail = Buffer.alloc(size - keep);
  fs.readSync(fd, tail, 0, tail.length, keep);
  try {
    if (recordSchema.safeParse(JSON.parse(tail.toString('utf8'))).success) {
      fs.writeSync(fd, '\n', size);
      return 0;
    }
  } catch {
    // a torn fragment
  }
  fs.ftruncateSync(fd, keep);
  return size - keep;
}

/** Batch events kept per epoch on disk at most (plus the first and last step): a run of tiny batches must not write gigabytes. */
export const BATCHES_PER_EPOCH_ON_DISK = 200;

/**
 * Appends records synchronously through an open file descriptor: each line reaches the OS
 * before training moves on, so a killed process loses at most the line being written. Batch
 * events are thinned to about BATCHES_PER_EPOCH_ON_DISK per epoch. The descriptor closes
 * itself after a done/stopped/failed event (and reopens if more come) or on close().
 */
export class MetricsWriter {
  private fd: number | null = null;
  /** the format line has been written by this writer */
  private marked = false;

  constructor(readonly file: string) {
    repairTail(file);
  }

  append(record: TrainEvent | ResumeMarker, t = Date.now()): void {
    if (record.event === 'batch') {
      const stride = Math.max(1, Math.ceil(record.stepsPerEpoch / BATCHES_PER_EPOCH_ON_DISK));
      if (record.step !== 1 && record.step !== record.stepsPerEpoch && record.step % stride !== 0) return;
    }
    if (this.fd === null) this.fd = fs.openSync(this.file, 'a');
    if (!this.marked) {
      fs.writeSync(this.fd, JSON.stringify({ ...FORMAT_LINE, t }) + '\n');
      this.marked = true;
    }
    fs.writeSync(this.fd, JSON.stringify({ ...record, t }) + '\n');
    if (record.event === 'done' || record.event === 'stopped' || record.event === 'failed') this.close();
  }

  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** Keeps about `max` batch events (evenly spaced) and every other event: for charts and the API. */
export function thinBatches<T extends { event: string }>(records: T[], max = 2000): T[] {
  const batches = records.filter((r) => r.event === 'batch').length;
  if (batches <= max) return records;
  const stride = Math.ceil(batches / max);
  let k = 0;
  return records.filter((r) => r.event !== 'batch' || k++ % stride === 0);
}
