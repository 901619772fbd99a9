/**
 * `mlp-studio train --augment shift=2,rotate=10`: the settings reach run.json; bad settings,
 * mirroring of digits and augmentation of a table are refused in plain words before a run is
 * created.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvOf, penguinsRows } from '../tests/helpers/table-fixtures';
import { inProcessCli } from '../tests/helpers/cli-in-process';

const { cli, home } = inProcessCli('cli-augment-');
const runFolders = () => (fs.existsSync(path.join(home(), 'runs')) ? fs.readdirSync(path.join(home(), 'runs')) : []);
const small = ['train', '--preset', 'small', '--limit-train', '300', '--limit-test', '100', '--epochs', '1'];

describe('mlp-studio train --augment', () => {
  it('trains with the settings and records them in run.json', async () => {
    const r = await cli(...small, '--json', '--augment', 'shift=2,rotate=10,noise=1.5');
    expect(r.code, r.err.join('\n')).toBe(0);
    const done = JSON.parse(r.out.at(-1)!);
    expect(done.status).toBe('finished');
    expect(JSON.parse(fs.readFileSync(path.join(done.runDir, 'run.json'), 'utf8')).config.augment).toEqual({ shift: 2, rotate: 10, noise: 1.5 });
  });

  it('refuses settings it does not understand, or past their limits, with a usage message and exit code 2', async () => {
    const wobble = await cli(...small, '--augment', 'shift=2,wobble=3');
    expect(wobble.code).toBe(2);
    expect(wobble.err.join('\n')).toContain('"wobble=3" in the augmentation settings is not understood');
    const far = await cli(...small, '--augment', 'rotate=45');
    expect(far.code).toBe(2);
    expect(far.err.join('\n')).toContain('Turn must be from 0 to 30 °.');
  });

  it('refuses mirroring digits and varying a table, creating no run', async () => {
    const before = runFolders().length;
    const flip = await cli(...small, '--augment', 'shift=1,flip');
    expect(flip.code).toBe(1);
    expect(flip.err.join('\n')).toMatch(/holds 28×28 greyscale pictures like handwritten digits.*mirroring is not offered/);
    const csv = path.join(home(), 'penguins.csv');
    fs.writeFileSync(csv, csvOf(penguinsRows(60)));
    const table = await cli('train', '--dataset', csv, '--epochs', '1', '--augment', 'shift=2');
    expect(table.code).toBe(1);
    expect(table.err.join('\n')).toMatch(/is a table, not pictures: varying the samples \(augmentation\) works on pictures only/);
    expect(runFolders().length).toBe(before);
  });
});
