/**
 * How long an epoch takes, said at once (issue 16 item 2). First a guess: the epoch's work
 * (engine/epoch-work.ts, the model the settings search uses too) times the speed this window
 * remembers for the device, learnt from an earlier measurement (the very first time, a
 * laptop processor's figure). Then the studio's measurement (a worker times real training
 * steps, which takes seconds, more while it starts), which replaces the guess and is
 * remembered for the next one.
 */
import type { EpochEstimate, EstimateRequest } from '../../src-main/api/contract';
import { epochWorkUnits, layerWidths } from '../../src-main/engine/epoch-work';

/**
 * Seconds per work unit before anything was measured here: a 2-core laptop processor's
 * figure (BENCHMARKS.md: 0.7–1.35 × 10⁻⁴ for five networks on this VM's 2 cores, quiet).
 */
export const DEFAULT_SECONDS_PER_UNIT = 1e-4;

/** An estimate as the Train screen shows it: a first guess, or measured by the studio. */
export interface ShownEstimate extends EpochEstimate {
  firstGuess: boolean;
}

/** Speeds (seconds per work unit) by the device asked for. */
export interface SpeedMemory {
  get(device: string): number | null;
  set(device: string, secondsPerUnit: number): void;
}

const SPEEDS = 'mlp-studio.speeds.v1';

/** the page's localStorage, absent outside a browser (tests, benchmarks) */
const storage = (): { getItem(key: string): string | null; setItem(key: string, value: string): void } | undefined =>
  (globalThis as { localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void } }).localStorage;

/** Kept in this browser's localStorage where it can be, else for this page only. */
export function browserSpeedMemory(): SpeedMemory {
  const page = new Map<string, number>();
  const read = (): Record<string, number> => {
    try {
      const v: unknown = JSON.parse(storage()?.getItem(SPEEDS) ?? '{}');
      return v && typeof v === 'object' ? (v as Record<string, number>) : {};
    } catch {
      return {};
    }
  };
  return {
    get(device) {
      const v = page.get(device) ?? read()[device];
      return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
    },
    set(device, secondsPerUnit) {
      page.set(device, secondsPerUnit);
      try {
        storage()?.setItem(SPEEDS, JSON.stringify({ ...read(), [device]: secondsPerUnit }));
      } catch {
        // private windows and full storage: this page still remembers
      }
    },
  };
}

/** The work units of an epoch of the request over `trainCount` samples, less the validation part. */
export function epochUnitsOf(req: EstimateRequest, trainCount: number): number {
  const train = Math.max(1, Math.round(trainCount * (1 - (req.validation ?? 0))));
  return epochWorkUnits(layerWidths(req.model), train, req.batchSize, req.optimizer?.kind ?? 'sgd');
}

/** The first guess for an epoch over the whole training set (`trainCount` samples). */
export function firstGuess(req: EstimateRequest, trainCount: number, memory: SpeedMemory): ShownEstimate {
  const seconds = epochUnitsOf(req, trainCount) * (memory.get(req.device) ?? DEFAULT_SECONDS_PER_UNIT);
  const train = Math.max(1, Math.round(trainCount * (1 - (req.validation ?? 0))));
  return { seconds, stepsPerSecond: Math.ceil(train / Math.max(1, req.batchSize)) / seconds, device: req.device, firstGuess: true };
}

/**
 * Shows the first guess at once, then the measurement when `measure` answers (and remembers
 * its speed). `show` may ignore an answer that came too late (the settings changed meanwhile).
 */
export async function estimateInSteps(
  req: EstimateRequest,
  trainCount: number,
  measure: (req: EstimateRequest) => Promise<EpochEstimate>,
  show: (e: ShownEstimate) => void,
  memory: SpeedMemory = browserSpeedMemory(),
): Promise<void> {
  show(firstGuess(req, trainCount, memory));
  const measured = await measure(req);
  const units = epochUnitsOf(req, trainCount);
  if (measured.seconds > 0 && Number.isFinite(measured.seconds) && units > 0) memory.set(req.device, measured.seconds / units);
  show({ ...measured, firstGuess: false });
}
