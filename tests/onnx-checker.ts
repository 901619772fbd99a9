/**
 * ONNX's own checker (onnx.checker.check_model, full_check) as an independent reader of the
 * models the studio writes, for tests. It lives in Python: Debian's python3-onnx
 * (`apt-get install -y python3-onnx`; .ci/run installs it).
 *
 * One rule everywhere: where no Python with the onnx package is found, a checker test is
 * SKIPPED (vitest marks it skipped, with the reason) — except in CI (CI=true), where it
 * FAILS, so that CI never passes without having run the checker.
 */
import { spawnSync } from 'node:child_process';

export const INSTALL_HINT = 'python3-onnx is not installed here (apt-get install -y python3-onnx)';

export interface OnnxChecker {
  /** the Python that has the onnx package */
  python: string;
  /** Checks each file; returns one line per file: "ok <opset> <file>", or throws with the checker's message. */
  check(files: string[]): string[];
}

let found: string | null | undefined;

/** The first of Debian's python3 and the one on PATH that imports onnx, or null. */
export function findOnnxChecker(): OnnxChecker | null {
  if (found === undefined) {
    found = ['/usr/bin/python3', 'python3'].find((py) => spawnSync(py, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0) ?? null;
  }
  const python = found;
  if (!python) return null;
  return {
    python,
    check(files) {
      const code =
        'import onnx, sys\nfor f in sys.argv[1:]:\n  m = onnx.load(f)\n  onnx.checker.check_model(m, full_check=True)\n  print("ok", m.opset_import[0].version, f)';
      const r = spawnSync(python, ['-c', code, ...files], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`onnx.checker (${python}) refused a model: ${r.stderr || r.stdout}`);
      return r.stdout.trim().split('\n');
    },
  };
}

/**
 * The checker, for a test that needs it: skips the test (`ctx.skip`) where there is none,
 * and throws in CI (CI=true) instead, so CI fails rather than skipping.
 */
export function requireOnnxChecker(ctx: { skip: (note?: string) => never }, env: NodeJS.ProcessEnv = process.env): OnnxChecker {
  const checker = findOnnxChecker();
  if (checker) return checker;
  if (env.CI && env.CI !== 'false' && env.CI !== '0') throw new Error(`onnx.checker is required in CI: ${INSTALL_HINT}; .ci/run installs it`);
  return ctx.skip(`onnx.checker: ${INSTALL_HINT}`);
}
