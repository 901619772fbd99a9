/** Small formatting helpers: numbers people can read. */

export function pct(fraction: number | null | undefined, digits = 2): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)} %`;
}

export function num(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined) return '—';
  if (!Number.isFinite(n)) return String(n);
  return n.toFixed(digits);
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function shape(s: number[]): string {
  return s.join(' × ');
}

export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A value in a target's units, to about four significant digits: 184,250 · 2009 · 12.35 · 0.04127 (four digits ungrouped: years read as years). */
export function units(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 10_000) return Math.round(n).toLocaleString('en-US');
  if (a >= 1000) return String(Math.round(n));
  if (a === 0) return '0';
  return Number(n.toPrecision(4)).toString();
}
