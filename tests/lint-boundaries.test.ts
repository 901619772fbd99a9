/**
 * The import boundaries of eslint.config.js (rule studio/import-boundaries), on snippets
 * linted as if they were files of each layer: the engine stays pure, the renderer takes from
 * src-main only the engine, the API contract and the listed exceptions.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'studio/import-boundaries').map((m) => m.message);
}

describe('import boundaries', () => {
  it('the engine imports no Node built-ins, Electron, onnxruntime-node, or other layers', async () => {
    const bad = [
      "import fs from 'node:fs';",
      "import path from 'path';",
      "import { app } from 'electron';",
      "import * as ort from 'onnxruntime-node';",
      "import { RunStore } from '../runs/store';",
      "export { StudioService } from '../api/service';",
      "export * from '../datasets/library';",
      "const host = await import('../host/server');",
      "import { createNodeRuntime } from '../runtime/node';",
      "import type { WorkerHandle } from '../worker/handle';",
      "import { x } from '../../src-renderer/lib/store';",
    ];
    for (const line of bad) expect(await boundaryErrors('src-main/engine/example.ts', `${line}\nexport const y = 1;\n`), line).toHaveLength(1);
    // deeper in the engine, its own modules are fine, including engine/runtime.ts
    const ok =
      "import { emit } from '../ops/table';\nimport type { RuntimeAdapter } from '../runtime';\nimport * as ort from 'onnxruntime-common';\nexport { emit, ort };\nexport type { RuntimeAdapter };\n";
    expect(await boundaryErrors('src-main/engine/optimizers/example.ts', ok)).toEqual([]);
    expect((await boundaryErrors('src-main/engine/optimizers/example.ts', "import { RunStore } from '../../runs/store';\nexport { RunStore };\n"))[0]).toMatch(
      /imports nothing outside src-main\/engine/,
    );
  });

  it("the engine's tests may use Node and the runtimes", async () => {
    expect(
      await boundaryErrors(
        'src-main/engine/example.test.ts',
        "import fs from 'node:fs';\nimport { createNodeRuntime } from '../runtime/node';\nexport { fs, createNodeRuntime };\n",
      ),
    ).toEqual([]);
  });

  it('the renderer takes from src-main only the engine, the API contract and the listed exceptions', async () => {
    const ok = [
      "import type { StudioApi } from '../../src-main/api/contract';",
      "import { Trainer } from '../../src-main/engine/trainer';",
      "import type { DatasetMeta } from '../../src-main/datasets/types';",
      "import { createApiClient } from '../../src-main/api/client';",
      "import { BatchCoalescer } from '../../src-main/worker/coalesce';",
    ];
    for (const line of ok) expect(await boundaryErrors('src-renderer/lib/example.ts', `${line}\nexport const y = 1;\n`), line).toEqual([]);
    const bad = [
      "import { StudioService } from '../../src-main/api/service';",
      "import { DatasetLibrary } from '../../src-main/datasets/library';",
      "import { RunStore } from '../../src-main/runs/store';",
    ];
    for (const line of bad) {
      const errors = await boundaryErrors('src-renderer/lib/example.ts', `${line}\nexport const y = 1;\n`);
      expect(errors, line).toHaveLength(1);
      expect(errors[0]).toMatch(/only the engine and the API contract/);
    }
  });
});
