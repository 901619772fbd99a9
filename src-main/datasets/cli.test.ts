/** The dataset commands, driven through commander as the mlp-studio binary does. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetCli } from '../../tests/helpers/dataset-cli';
import { csvText } from './test-fixtures';

const cli = datasetCli();
const run = cli.run;

describe('mlp-studio dataset commands', () => {
  it('imports, lists, shows, renames and deletes', async () => {
    const file = path.join(cli.root, 'flowers.csv');
    await fs.writeFile(file, csvText(60));
    const imp = await run('import', file, '--test-fraction', '0.25', '--no-progress', '--json');
    expect(imp.error).toBeNull();
    const meta = JSON.parse(imp.out);
    expect(meta.name).toBe('flowers');
    expect(meta.test.count).toBe(15);
    const list = await run('datasets');
    expect(list.out).toMatch(/MNIST\s+bundled-mnist\s+1×28×28\s+10\s+60000\s+10000/);
    expect(list.out).toMatch(/flowers\s+csv\s+4\s+3\s+45\s+15/);
    expect((await run('dataset', 'show', 'flowers')).out).toContain(meta.id);
    expect((await run('dataset', 'rename', meta.id, 'Iris')).out).toContain('"Iris"');
    expect((await run('dataset', 'rename', 'Iris', '../up')).error).toMatch(/path separator/);
    expect((await run('import', file, '--no-progress')).error).toMatch(/already in the library as "Iris"/);
    expect((await run('dataset', 'delete', 'iris')).out).toContain('deleted "Iris"');
    expect((await run('dataset', 'show', 'Iris')).error).toMatch(/No dataset with id or name "Iris"/);
    expect((await run('import', '--test-fraction', '2', file)).error).toMatch(/between 0 and 1/);
  });
});
