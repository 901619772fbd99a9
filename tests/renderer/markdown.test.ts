/**
 * The model card as HTML: Markdown rendered (headings, lists, tables, code), and text people
 * typed shown as text. Under Node: the Markdown step (raw HTML escaped, images as alt text).
 * In Chromium: the whole path the Export screen takes (src-renderer/lib/markdown.ts bundled
 * with esbuild), DOMPurify included, put into a page to check nothing runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, markdownToHtml } from '../../src-renderer/lib/markdown-html';

const here = path.dirname(fileURLToPath(import.meta.url));
const HOSTILE_NAME = '<img src=x onerror="window.__pwned = 1">';

/** shaped like the card runs/export.ts writes, with hostile text where people's text goes */
const CARD = [
  `# ${HOSTILE_NAME} · 784-64-10`,
  '',
  'Exported by MLP Studio 0.1.0 on 2025-01-01 from run `run-1`, checkpoint after epoch 2 (best).',
  '',
  '## Data',
  '',
  `- Dataset: **${HOSTILE_NAME}** (id \`ds-0123456789abcdef\`)`,
  '- Input: 1-channel 28×28 images; 2 classes: `cat`, `<script>window.__pwned = 2</script>`',
  '',
  '<script>window.__pwned = 3</script>',
  '',
  'A note: <b onclick="window.__pwned = 4">bold?</b> ![tracker](https://example.com/t.png) [away](javascript:window.__pwned=5) [ONNX](https://onnx.ai/)',
  '',
  '## Results on the test set',
  '',
  '| class | accuracy | samples |',
  '|---|---|---|',
  '| cat | 90.0 % | 10 |',
  '| a \\| b | 80.0 % | 10 |',
  '',
  '| true \\ predicted | cat | dog |',
  '|---|---|---|',
  '| **1** | 9 | 1 |',
  '',
  '```python',
  'session = ort.InferenceSession("model.onnx")',
  '```',
  '',
].join('\n');

describe('markdownToHtml', () => {
  const html = markdownToHtml(CARD);

  it('renders headings, lists, tables and code instead of showing Markdown', () => {
    expect(html).toMatch(/<h1>.*784-64-10<\/h1>/);
    expect(html).toContain('<h2>Data</h2>');
    expect(html).toMatch(/<ul>\s*<li>Dataset: <strong>/);
    expect((html.match(/<table>/g) ?? []).length).toBe(2);
    expect(html).toContain('<th>true \\ predicted</th>');
    expect(html).toContain('<td>a | b</td>');
    expect(html).toMatch(/<pre><code class="language-python">session = ort.InferenceSession\(&quot;model.onnx&quot;\)/);
    expect(html).not.toMatch(/^#/m);
  });

  it('shows raw HTML as text and images as their alt text', () => {
    expect(html).not.toMatch(/<(img|script|b)\b/i);
    expect(html).toContain(`<h1>${escapeHtml(HOSTILE_NAME)} · 784-64-10</h1>`);
    expect(html).toContain(escapeHtml('<script>window.__pwned = 3</script>'));
    expect(html).toContain('tracker');
    expect(html).not.toContain('example.com');
  });
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI) throw new Error(`the model card sanitiser test needs ${CHROMIUM} (Debian chromium); .ci/run installs it`);
  console.log(`SKIPPED model card sanitiser test in Chromium: ${CHROMIUM} is missing (apt-get install chromium)`);
}

describe.skipIf(!haveChromium)('renderMarkdown and sanitizeHtml in Chromium', () => {
  let browser: import('playwright-core').Browser;
  let page: import('playwright-core').Page;

  beforeAll(async () => {
    const esbuild = await import('esbuild');
    const bundle = await esbuild.build({
      entryPoints: [path.join(here, '../../src-renderer/lib/markdown.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'cardMarkdown',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'error',
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });
    page = await browser.newPage();
    // nothing may leave the page: the card must not fetch its images (or anything else)
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await page.setContent('<!doctype html><meta charset="utf-8"><div id="card"></div>');
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
  });
  afterAll(async () => {
    await browser?.close();
  });

  type Api = { renderMarkdown(md: string): string; sanitizeHtml(html: string): string | null };
  // the little of the DOM the page code below uses (this project's Node-side type check has no DOM types)
  type El = { tagName: string; textContent: string | null; innerHTML: string; getAttribute(name: string): string | null; querySelectorAll(sel: string): Iterable<El> };
  type PageGlobal = { cardMarkdown: Api; __pwned?: number; document: { getElementById(id: string): El | null } };

  /** renders in the page, puts the HTML into the document and gives event handlers time to fire */
  async function show(fn: 'renderMarkdown' | 'sanitizeHtml', input: string) {
    return page.evaluate(
      async ([fn, input]) => {
        const w = globalThis as unknown as PageGlobal;
        const html = w.cardMarkdown[fn as keyof Api](input) ?? '';
        const card = w.document.getElementById('card')!;
        card.innerHTML = html;
        await new Promise((r) => setTimeout(r, 200));
        return {
          html,
          text: card.textContent ?? '',
          pwned: w.__pwned ?? null,
          tags: [...new Set([...card.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()))].sort(),
          numbers: [...card.querySelectorAll('.num')].map((e) => e.textContent),
          links: [...card.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), target: a.getAttribute('target'), rel: a.getAttribute('rel') })),
        };
      },
      [fn, input] as const,
    );
  }

  it('renders the card as formatted HTML with people’s text shown as text, and runs nothing', async () => {
    const r = await show('renderMarkdown', CARD);
    expect(r.pwned).toBeNull();
    expect(r.tags).toEqual(expect.arrayContaining(['h1', 'h2', 'ul', 'li', 'strong', 'table', 'th', 'td', 'pre', 'code', 'a']));
    for (const bad of ['img', 'script', 'b']) expect(r.tags).not.toContain(bad);
    expect(r.text).toContain(`${HOSTILE_NAME} · 784-64-10`);
    expect(r.text).toContain('<script>window.__pwned = 3</script>');
    expect(r.text).not.toMatch(/^#/m);
    // columns of numbers are marked for right alignment, header included; names and bold row labels are not
    expect(r.numbers).toEqual(['accuracy', 'samples', '90.0 %', '10', '80.0 %', '10', 'cat', 'dog', '9', '1']);
    // the javascript: link loses its address; the https one opens outside the window
    expect(r.links).toEqual([
      { href: null, target: '_blank', rel: 'noopener noreferrer' },
      { href: 'https://onnx.ai/', target: '_blank', rel: 'noopener noreferrer' },
    ]);
  });

  it('strips markup that reaches the sanitiser directly', async () => {
    const r = await show(
      'sanitizeHtml',
      '<h2 style="color:red" onclick="window.__pwned = 6">Title</h2><img src=x onerror="window.__pwned = 7"><script>window.__pwned = 8</script>' +
        '<svg><script>window.__pwned = 9</script></svg><iframe src="javascript:window.__pwned = 10"></iframe><a href="javascript:window.__pwned = 11">x</a>' +
        '<table><tr><td onmouseover="window.__pwned = 12">cell</td></tr></table><form><input autofocus onfocus="window.__pwned = 13"></form>',
    );
    expect(r.pwned).toBeNull();
    expect(r.tags).toEqual(['a', 'h2', 'table', 'tbody', 'td', 'tr']);
    expect(r.html).not.toMatch(/on\w+=|style=|javascript:/i);
    expect(r.text).toContain('Title');
    expect(r.text).toContain('cell');
  });
});
