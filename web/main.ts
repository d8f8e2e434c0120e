/** Browser entry point (bundled by scripts/build-web.mjs): picks the page from the URL. */
import { renderCataloguePage } from './catalogue-page.js';
import { renderLabPage } from './lab-page.js';

async function route(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  const lab = /^\/labs\/([^/]+)\/?$/.exec(location.pathname);
  if (lab?.[1]) await renderLabPage(root, decodeURIComponent(lab[1]));
  else await renderCataloguePage(root);
}

route().catch((e: unknown) => {
  const root = document.getElementById('app');
  if (root) {
    root.textContent = `kindlab could not start this page: ${e instanceof Error ? e.message : String(e)}`;
    root.setAttribute('role', 'alert');
  }
});
