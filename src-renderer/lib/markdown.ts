/**
 * Markdown written by the studio (the model card) as safe HTML for the window. The card holds
 * text people typed or that came from their files (run and dataset names, class names), so
 * after markdown-html.ts (raw HTML shown as text, no images) the HTML is sanitised with
 * DOMPurify down to a short list of tags and attributes; links keep only http(s) and mailto
 * addresses and open outside the window (Electron opens https links in the browser and
 * refuses to navigate the window itself). Without a DOM to sanitise with, the Markdown is
 * shown as escaped plain text. Loaded lazily by the Export screen (marked and DOMPurify stay
 * out of the main bundle).
 */
import DOMPurify from 'dompurify';
import { escapeHtml, markdownToHtml } from './markdown-html';

const ALLOWED_TAGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'ul', 'ol', 'li', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a'];
const ALLOWED_ATTR = ['href', 'title', 'align', 'start', 'class'];

let purifier: ReturnType<typeof DOMPurify> | null = null;

function sanitizer(): ReturnType<typeof DOMPurify> | null {
  if (purifier) return purifier;
  if (typeof window === 'undefined') return null;
  // an instance of our own, so the link hook touches nothing else that uses DOMPurify
  const p = DOMPurify(window);
  if (!p.isSupported) return null;
  p.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
    if (node.tagName === 'TABLE') markNumberColumns(node);
  });
  purifier = p;
  return p;
}

const NUMBER = /^\s*[-+]?(\d[\d,]*(\.\d+)?|\.\d+)(e[-+]?\d+)?\s*%?\s*$|^\s*[—–-]\s*$/i;

/**
 * Columns whose body cells all hold plain numbers (counts, percentages) get class "num", to be
 * right-aligned; row labels (bold, like the confusion matrix's true classes) stay as they are.
 */
function markNumberColumns(table: Element): void {
  const rows = [...table.querySelectorAll('tr')];
  const body = rows.filter((r) => r.querySelector('td'));
  const width = Math.max(0, ...rows.map((r) => r.children.length));
  for (let c = 0; c < width; c++) {
    const cells = body.map((r) => r.children[c]).filter((cell): cell is Element => !!cell);
    if (cells.length && cells.every((cell) => cell.tagName === 'TD' && cell.childElementCount === 0 && NUMBER.test(cell.textContent ?? ''))) {
      for (const r of rows) r.children[c]?.classList.add('num');
    }
  }
}

/** HTML cut down to the card's tags and attributes; null when no sanitiser can run here (no DOM). */
export function sanitizeHtml(html: string): string | null {
  const p = sanitizer();
  return p ? p.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i }) : null;
}

/** The Markdown as safe HTML for v-html; plain escaped text when no sanitiser can run. */
export function renderMarkdown(markdown: string): string {
  return sanitizeHtml(markdownToHtml(markdown)) ?? `<pre>${escapeHtml(markdown)}</pre>`;
}
