import { describe, expect, it, vi } from 'vitest';
import { findOnnxChecker, INSTALL_HINT, requireOnnxChecker } from './onnx-checker';

/** a test context whose skip() records the note and throws, as vitest's does */
function fakeContext() {
  const notes: string[] = [];
  return {
    notes,
    skip: (note?: string): never => {
      notes.push(note ?? '');
      throw new Error('skipped');
    },
  };
}

describe('requireOnnxChecker', () => {
  it('with a checker: returns it, in CI or not, without skipping', () => {
    const real = findOnnxChecker();
    if (real) {
      // with a checker present, neither skipping nor failing: CI or not
      const ctx = fakeContext();
      expect(requireOnnxChecker(ctx, { CI: 'true' }).python).toBe(real.python);
      expect(requireOnnxChecker(ctx, {}).python).toBe(real.python);
      expect(ctx.notes).toEqual([]);
    }
  });

  it('without a checker: skipped locally with the install hint, an error in CI', async () => {
    vi.resetModules();
    vi.doMock('node:child_process', () => ({ spawnSync: () => ({ status: 1, stdout: '', stderr: 'No module named onnx' }) }));
    const { requireOnnxChecker: require2 } = await import('./onnx-checker');
    const ctx = fakeContext();
    expect(() => require2(ctx, {})).toThrow('skipped');
    expect(ctx.notes).toEqual([`onnx.checker: ${INSTALL_HINT}`]);
    expect(() => require2(fakeContext(), { CI: 'true' })).toThrow(/onnx.checker is required in CI: python3-onnx is not installed/);
    vi.doUnmock('node:child_process');
    vi.resetModules();
  });
});
