/**
 * The chaos suites' knobs: CHAOS_SEED picks other kill points, CHAOS_TRIALS more trials; the
 * same seed gives the same points (the studio's own seeded generator, mulberry32).
 */
import { seededRandom } from '../../src-main/datasets/finalize';

export const SEED = Number(process.env.CHAOS_SEED ?? 15);
export const TRIALS = Number(process.env.CHAOS_TRIALS ?? 10);
export const rng = seededRandom;
