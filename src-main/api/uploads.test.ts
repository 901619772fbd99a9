/**
 * Browser uploads on the host: where the bytes land, what the imported dataset is called and
 * how import errors name the files (as dropped, never by the internal upload folder).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetMeta } from '../datasets/types';
import type { StudioEvent } from './contract';
import { DatasetGateway } from './datasets';
import { csvText, writeMnistSubset } from '../../tests/helpers/test-fixtures';
import { StudioService } from './service';
import { startWebHost } from '../host/server';
import { connectWebHost } from '../host/ws-client';
import { hideUploadFolders, storeUpload, uploadsDir } from './uploads';

let home: string;
let src: string;
let gateway: DatasetGateway;
const events: StudioEvent[] = [];

beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-uploads-'));
  src = path.join(home, 'source');
  writeMnistSubset(src, 60, 20);
  gateway = new DatasetGateway(home, (e) => events.push(e));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
// every test imports the same digits: a dataset left behind would make the next a duplicate
afterEach(async () => {
  for (const d of await gateway.list()) await gateway.delete(d.id);
});

/** uploads the MNIST subset, each file under `prefix` */
async function uploadIdx(prefix: string): Promise<{ uploadId: string; paths: string[] }> {
  const files = fs.readdirSync(src).map((name) => ({ relativePath: `${prefix}${name}`, base64: fs.readFileSync(path.join(src, name)).toString('base64') }));
  return storeUpload(home, { files });
}

async function importAndWait(paths: string[]): Promise<Extract<StudioEvent, { channel: 'import' }>> {
  const { importId } = await gateway.startImport({ paths });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const end = events.find((e) => e.channel === 'import' && e.importId === importId && e.event !== 'progress');
    if (end && end.channel === 'import') return end;
    if (Date.now() > deadline) throw new Error('the import did not end');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('datasets imported from a browser upload', () => {
  it('are named after the dropped files, never after the upload folder', async () => {
    const loose = await uploadIdx('');
    expect(loose.paths).toHaveLength(4);
    const end = await importAndWait(loose.paths);
    expect(end.event).toBe('done');
    const meta = (end as { dataset: DatasetMeta }).dataset;
    expect(meta.name).toBe('IDX 28×28, 10 classes');
    expect(meta.name).not.toContain(loose.uploadId);
  });

  it('are named after a dropped folder', async () => {
    const folder = await uploadIdx('my digits/');
    expect(folder.paths.map((p) => path.basename(p))).toEqual(['my digits']);
    const end = await importAndWait(folder.paths);
    expect(end).toMatchObject({ event: 'done', dataset: { name: 'my digits' } });
  });

  it('fail with messages that name the files as dropped', async () => {
    const up = await storeUpload(home, { files: [{ relativePath: 'notes.txt', base64: Buffer.from('these are my shopping notes\n').toString('base64') }] });
    const end = await importAndWait(up.paths);
    expect(end.event).toBe('failed');
    const message = (end as { message: string }).message;
    expect(message).toMatch(/^notes\.txt: /);
    expect(message).not.toContain(up.uploadId);
    expect(message).not.toContain(uploadsDir(home));
    // files of different kinds: the message speaks of the dropped files, not of the folder
    const mixed = await storeUpload(home, {
      files: [
        { relativePath: 'a.txt', base64: Buffer.from('1,2,3\n').toString('base64') },
        { relativePath: 'b.bin', base64: Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 7]).toString('base64') },
      ],
    });
    const mixedEnd = await importAndWait(mixed.paths);
    expect(mixedEnd.event).toBe('failed');
    expect((mixedEnd as { message: string }).message).not.toContain(mixed.uploadId);
  });
});

describe('messages about dropped files', () => {
  it('hides the upload folder in messages', () => {
    const root = path.join(uploadsDir('/h'), 'up-0123abcd');
    expect(hideUploadFolders(`${root}${path.sep}digits${path.sep}3.png: not an image`, '/h')).toBe(`digits${path.sep}3.png: not an image`);
    expect(hideUploadFolders(`${root}: these files are of different kinds`, '/h')).toBe('the dropped files: these files are of different kinds');
    expect(hideUploadFolders('/elsewhere/uploads/x: fine', '/h')).toBe('/elsewhere/uploads/x: fine');
  });
});

describe('a big file uploaded in chunks', () => {
  it('arrives intact through the web host (50 MB in 4 MB chunks with append)', async () => {
    const service = new StudioService({ home });
    const host = await startWebHost({ api: service, staticDir: null });
    const conn = await connectWebHost(host.wsUrl);
    try {
      const bytes = randomBytes(50 * 1024 * 1024);
      const chunk = 4 * 1024 * 1024;
      let uploadId: string | undefined;
      let paths: string[] = [];
      for (let at = 0; at < bytes.length; at += chunk) {
        const part = bytes.subarray(at, at + chunk);
        const r = await conn.api.uploadFiles({ ...(uploadId ? { uploadId } : {}), files: [{ relativePath: 'big/train.bin', base64: part.toString('base64'), ...(at > 0 ? { append: true } : {}) }] });
        uploadId = r.uploadId;
        paths = r.paths;
      }
      expect(paths.map((p) => path.basename(p))).toEqual(['big']);
      const stored = fs.readFileSync(path.join(paths[0], 'train.bin'));
      expect(stored.length).toBe(bytes.length);
      expect(createHash('sha256').update(stored).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
      fs.rmSync(path.dirname(paths[0]), { recursive: true, force: true });
    } finally {
      await conn.close();
      await host.close();
      await service.close();
    }
  });
});

describe('clean-up after an import of uploaded files (issue 15, item 1)', () => {
  /** a home with a dataset, a run folder and a second upload that must all survive */
  async function homeWithWork(): Promise<{ home: string; gw: DatasetGateway; ends: StudioEvent[]; keep: string[] }> {
    const h = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-uploads-escape-'));
    const ends: StudioEvent[] = [];
    const gw = new DatasetGateway(h, (e) => ends.push(e));
    const first = await storeUpload(h, { files: [{ relativePath: 'first.csv', base64: Buffer.from(csvText(30)).toString('base64') }] });
    const { importId } = await gw.startImport({ paths: first.paths });
    await waitFor(ends, importId);
    const run = path.join(h, 'runs', 'r-keep', 'run.json');
    fs.mkdirSync(path.dirname(run), { recursive: true });
    fs.writeFileSync(run, '{}');
    const other = await storeUpload(h, { files: [{ relativePath: 'other.csv', base64: Buffer.from('a,b\n1,x\n').toString('base64') }] });
    return { home: h, gw, ends, keep: [run, other.paths[0], ...(await gw.list()).map((d) => path.join(h, 'datasets', d.id, 'meta.json'))] };
  }
  async function waitFor(list: StudioEvent[], importId: string): Promise<Extract<StudioEvent, { channel: 'import' }>> {
    for (let i = 0; i < 1500; i++) {
      const end = list.find((e) => e.channel === 'import' && e.importId === importId && e.event !== 'progress');
      if (end && end.channel === 'import') return end;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the import did not end');
  }

  for (const [label, via] of [
    ['uploads/../uploads/<id>', (id: string) => `..${path.sep}uploads${path.sep}${id}`],
    ['uploads/./<id>', (id: string) => `.${path.sep}${id}`],
  ] as const) {
    it(`an import through ${label} removes only that upload, never the studio folder or other uploads`, async () => {
      const { home: h, gw, ends, keep } = await homeWithWork();
      try {
        const up = await storeUpload(h, { files: [{ relativePath: 'data.csv', base64: Buffer.from(csvText(40, { features: 3 })).toString('base64') }] });
        const sneaky = `${uploadsDir(h)}${path.sep}${via(up.uploadId)}${path.sep}data.csv`;
        const { importId } = await gw.startImport({ paths: [sneaky] });
        expect((await waitFor(ends, importId)).event).toBe('done');
        for (const f of keep) expect(fs.existsSync(f), f).toBe(true);
        expect(await gw.list()).toHaveLength(2);
        expect(fs.existsSync(path.join(uploadsDir(h), up.uploadId))).toBe(false);
      } finally {
        fs.rmSync(h, { recursive: true, force: true });
      }
    });
  }

  it('an import of files outside the uploads folder removes nothing', async () => {
    const { home: h, gw, ends, keep } = await homeWithWork();
    try {
      const mine = path.join(h, 'mine');
      fs.mkdirSync(mine);
      fs.writeFileSync(path.join(mine, 'data.csv'), csvText(40, { features: 5 }));
      const { importId } = await gw.startImport({ paths: [path.join(uploadsDir(h), '..', 'mine', 'data.csv')] });
      expect((await waitFor(ends, importId)).event).toBe('done');
      for (const f of [...keep, path.join(mine, 'data.csv')]) expect(fs.existsSync(f), f).toBe(true);
    } finally {
      fs.rmSync(h, { recursive: true, force: true });
    }
  });
});

describe('uploads that cannot be stored', () => {
  it('a file and a folder of the same name is a clear bad request, without the host path', async () => {
    const up = storeUpload(home, { files: [{ relativePath: 'x', base64: 'AAAA' }, { relativePath: 'x/y', base64: 'AAAA' }] });
    await expect(up).rejects.toMatchObject({ code: 'bad_request' });
    const message = ((await up.catch((e: Error) => e)) as Error).message;
    expect(message).toMatch(/"x\/y".*"x"/);
    expect(message).not.toContain(home);
    const reverse = storeUpload(home, { files: [{ relativePath: 'x/y', base64: 'AAAA' }, { relativePath: 'x', base64: 'AAAA' }] });
    await expect(reverse).rejects.toMatchObject({ code: 'bad_request' });
    expect(((await reverse.catch((e: Error) => e)) as Error).message).not.toContain(home);
  });

  it('only an upload id the studio made itself is accepted', async () => {
    for (const uploadId of ['datasets', 'up-1', 'UP-0123456789abcdef']) {
      await expect(storeUpload(home, { uploadId, files: [{ relativePath: 'a.csv', base64: 'AAAA' }] })).rejects.toMatchObject({ code: 'bad_request' });
    }
  });
});
