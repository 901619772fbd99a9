/**
 * The browser's download of an export is the verified file on disk, byte for byte (issue 16
 * item 4): the web host serves what the export wrote, and the model card beside it. The model
 * Try it loads is built again from the checkpoint with other metadata, so it is not the file
 * to offer as the download (the Export screen once did: 414,650 bytes against 414,835).
 */
import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioService } from '../api/service';
import { isTerminal, makeTestHome, runEvents, tinyRun, type TestHome } from '../../tests/helpers/testkit';
import { startWebHost, type WebHost } from './server';

function getBytes(url: string): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
    }).on('error', reject);
  });
}

describe('export downloads', () => {
  let t: TestHome;
  let service: StudioService;
  let host: WebHost;
  let runId = '';

  beforeAll(async () => {
    t = await makeTestHome();
    service = new StudioService({ home: t.home });
    host = await startWebHost({ api: service, home: t.home });
    const ev = runEvents(service, () => runId);
    runId = (await service.startRun(tinyRun(t.dataset.id, { epochs: 1 }))).id;
    const end = await ev.waitFor(isTerminal, 120_000);
    ev.off();
    expect(end.status).toBe('finished');
  }, 180_000);
  afterAll(async () => {
    await host?.close();
    await service?.close();
    t?.cleanup();
  });

  it('serves the exported .onnx and its model card exactly as written', async () => {
    const r = await service.exportRun(runId, 'digits.onnx');
    expect(r.verification.ok).toBe(true);
    expect(r.download?.model).toBe('exports/digits.onnx');
    const at = (rel: string) => getBytes(`http://127.0.0.1:${host.port}/download/${rel}?token=${host.token}`);
    const model = await at(r.download!.model);
    expect(model.status).toBe(200);
    expect(model.headers['content-disposition']).toMatch(/filename="digits\.onnx"/);
    expect(model.body.length).toBe(fs.statSync(r.path).size);
    expect(Buffer.compare(model.body, fs.readFileSync(r.path))).toBe(0);
    const card = await at(r.download!.modelCard);
    expect(card.body.toString('utf8')).toBe(fs.readFileSync(r.path.replace(/\.onnx$/, '.md'), 'utf8'));
    // the model Try it loads differs from the file (built again, other metadata): not a download
    const tryIt = Buffer.from((await service.getInferenceModel(runId)).onnxBase64, 'base64');
    expect(Buffer.compare(tryIt, model.body)).not.toBe(0);
  }, 120_000);
});
