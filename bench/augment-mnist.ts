/**
 * The accurate preset on full MNIST with augmentation (issue 13 item 4): its network and
 * settings (784-1024-1024-10, dropout 0.2, Nesterov momentum, cosine schedule, batch 128, the
 * validation part that chooses the kept epoch) with the training pictures moved by up to
 * ±2 pixels at every epoch, more epochs for the cosine schedule, and early stopping off so the
 * schedule runs to its end. Prints each epoch, the test checks every 5 epochs and the kept
 * model's test error; the goal is ≤ 1.1 % (Simard et al. 2003: 1.1 % for 784-800-10 with
 * affine distortions). On CPU, for the figure in BENCHMARKS.md:
 *
 *   npx tsx bench/augment-mnist.ts [--epochs 40] [--shift 2] [--rotate 0] [--scale 0]
 *       [--patience 0] [--limit-train N] [--limit-test N] [--seed S]
 */
import { augmentSchema, describeAugment, type AugmentConfig } from '../src-main/engine/augment';
import { runPreset } from './preset-run';

const usage = 'usage: npx tsx bench/augment-mnist.ts [--epochs N] [--shift PX] [--rotate DEG] [--scale PCT] [--patience N] [--limit-train N] [--limit-test N] [--seed S]';
const args = process.argv.slice(2);
let epochs = 40;
let patience = 0;
let seed: number | undefined;
let limitTrain: number | undefined;
let limitTest: number | undefined;
const augment: AugmentConfig = { shift: 2 };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const v = Number(args[++i]);
  if (!Number.isFinite(v)) {
    console.error(`${a} needs a number\n${usage}`);
    process.exit(2);
  }
  if (a === '--epochs') epochs = v;
  else if (a === '--patience') patience = v;
  else if (a === '--seed') seed = v;
  else if (a === '--limit-train') limitTrain = v;
  else if (a === '--limit-test') limitTest = v;
  else if (a === '--shift' || a === '--rotate' || a === '--scale') augment[a.slice(2) as 'shift' | 'rotate' | 'scale'] = v;
  else {
    console.error(`unknown argument ${a}\n${usage}`);
    process.exit(2);
  }
}
augmentSchema.parse(augment);

console.log(`accurate preset, ${epochs} epochs, early stopping ${patience > 0 ? `after ${patience} epochs` : 'off'}; ${describeAugment(augment)}`);
console.log(`started ${new Date().toISOString()}`);
runPreset('accurate', {
  config: { epochs, patience, augment, ...(seed !== undefined ? { seed } : {}) },
  limitTrain,
  limitTest,
  onLine: (l) => console.log(l),
})
  .then((r) => {
    const pct = r.testError === null ? 'n/a' : `${(100 * r.testError).toFixed(2)} %`;
    console.log(`kept model's test error= ${pct}  goal ≤ 1.1 %: ${r.testError !== null && r.testError <= 0.011 ? 'met' : 'missed'}`);
    console.log(`median epoch= ${r.medianEpochSeconds.toFixed(1)} s  total= ${r.totalSeconds.toFixed(0)} s  finished ${new Date().toISOString()}`);
    console.log(JSON.stringify({ augment, ...r }));
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
