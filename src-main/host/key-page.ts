/**
 * What a browser sees at the web host's address without the key (no `?token=`, no session
 * cookie): a page in plain words on how to get back in. People who started the studio from a
 * shortcut have no terminal, so it speaks of the app's window and the address it printed.
 */
import type http from 'node:http';

/** A page load (address bar, history, a link), as opposed to a script, a file or an API call. */
export function wantsPage(req: http.IncomingMessage, pathname: string): boolean {
  if (req.headers['sec-fetch-dest'] === 'document') return true;
  if (pathname === '/' || pathname.endsWith('.html')) return true;
  return !/\.[a-z0-9]+$/i.test(pathname) && /text\/html/.test(String(req.headers.accept ?? ''));
}

export const KEY_PAGE_TITLE = 'This studio page needs its key';

export const KEY_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${KEY_PAGE_TITLE}</title>
<style>
  body { font: 17px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #f6f7f9; margin: 0; }
  main { max-width: 36rem; margin: 12vh auto 0; padding: 2rem 2.25rem; background: #fff; border: 1px solid #d8dde3; border-radius: 10px; }
  h1 { font-size: 1.35rem; margin: 0 0 1rem; }
  p { margin: 0 0 0.9rem; }
  li { margin-bottom: 0.4rem; }
  .small { color: #57606a; font-size: 0.95rem; margin-top: 1.2rem; }
</style>
</head>
<body>
<main>
  <h1>${KEY_PAGE_TITLE}</h1>
  <p>This page cannot open the studio by itself. Reopen MLP Studio from where you started it (the app's window, or the address it printed), and the studio will open again.</p>
  <ul>
    <li>If you started MLP Studio as an app, switch to its window.</li>
    <li>If it opened a browser tab for you, or gave you a long address, go back to that tab or open that whole address once. After that, this short address works too in this browser, until you close the browser.</li>
    <li>If MLP Studio is no longer running, or was started again since, start it and use the new tab or address it gives you.</li>
  </ul>
  <p class="small">Your datasets and training runs are safe: they are kept by MLP Studio, not by this page.</p>
</main>
</body>
</html>
`;
