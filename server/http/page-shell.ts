/**
 * The HTML shell every page is served in. It holds no data: the bundle
 * (`/assets/app.js`) reads the URL, asks the API and renders, so nothing the
 * server knows about a lab is ever interpolated into markup here.
 */
/** `workshop` pages carry `data-mode="workshop"`, so the bundle asks for a learner only where there can be one. */
export type PageMode = 'local' | 'workshop';

export function pageShell(title: string, mode: PageMode = 'local'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/xterm.css">
<link rel="stylesheet" href="/assets/styles.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body data-mode="${mode}">
<div id="app" class="kl-app" aria-busy="true"><p class="kl-loading">Loading…</p></div>
<noscript>kindlab needs JavaScript for its terminals and checks.</noscript>
</body>
</html>
`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
