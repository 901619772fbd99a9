/**
 * Markdown to HTML for the model card, without a DOM (so it is tested under Node): raw HTML
 * in the Markdown is shown as text, never as markup (a run named `<img src=x onerror=alert(1)>`
 * reads exactly so), and images become their alt text, so the card never fetches anything.
 * The output still goes through the sanitiser in markdown.ts before it reaches the window.
 */
import { Marked, type Tokens } from 'marked';

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    image: ({ text }: Tokens.Image) => escapeHtml(text),
  },
});

/** GitHub-flavoured Markdown (tables, fenced code) to HTML; raw HTML escaped, images as their alt text. */
export function markdownToHtml(markdown: string): string {
  return marked.parse(markdown, { async: false });
}
