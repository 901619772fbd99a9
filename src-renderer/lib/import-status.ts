/**
 * The failed-import callout says "Import failed: <what was dropped>" and then the message.
 * The studio's messages start with the file they are about ("bad.csv: row 4 has …"), so when
 * that file is the one the callout already names, the name is shown once: in the heading
 * (the longer of the two, e.g. the full path), and the message goes on from there.
 */
export interface FailedImportText {
  label: string;
  message: string;
}

const norm = (s: string) => s.trim().replace(/\\/g, '/').replace(/\/+$/, '');

/** whether `a` and `b` name the same file: equal, or one is a path that ends in the other */
function sameFile(a: string, b: string): boolean {
  const x = norm(a);
  const y = norm(b);
  if (!x || !y) return false;
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

export function failedImportText(label: string, message: string): FailedImportText {
  let shownLabel = label;
  let rest = message.trim();
  // "bad.csv: bad.csv: …" too: every leading "<the same file>: " goes
  for (;;) {
    const m = /^(.+?): (.*)$/s.exec(rest);
    if (!m || !sameFile(m[1], shownLabel) || !m[2].trim()) break;
    if (norm(m[1]).length > norm(shownLabel).length) shownLabel = m[1].trim();
    rest = m[2].trim();
  }
  if (rest !== message.trim()) rest = rest.charAt(0).toUpperCase() + rest.slice(1);
  return { label: shownLabel, message: rest };
}
