/** Browser entry point (bundled by scripts/build-web.mjs): picks the page from the URL. */
import { ApiError } from './api.js';
import { renderCataloguePage } from './catalogue-page.js';
import { renderLabPage } from './lab-page.js';
import { renderInstructorPage } from './workshop/instructor-page.js';
import { renderJoinPage } from './workshop/join-page.js';
import { showEnded, showWorkshopIdentity } from './workshop/workshop-identity.js';

async function route(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  // Workshop pages (see docs/workshops.md).
  if (path === '/join') return renderJoinPage(root);
  if (path === '/instructor') return renderInstructorPage(root);
  const lab = /^\/labs\/([^/]+)\/?$/.exec(location.pathname);
  if (lab?.[1]) await renderLabPage(root, decodeURIComponent(lab[1]));
  else await renderCataloguePage(root);
  // Learner pages of a workshop show who is signed in and when the event ends.
  await showWorkshopIdentity(root);
}

route().catch((e: unknown) => {
  const root = document.getElementById('app');
  // A workshop that ended refuses new sessions with 410: say so as the ended state, not as a fault.
  if (root && e instanceof ApiError && e.status === 410) {
    root.removeAttribute('aria-busy');
    return showEnded(root, e.message);
  }
  if (root) {
    root.textContent = `kindlab could not start this page: ${e instanceof Error ? e.message : String(e)}`;
    root.setAttribute('role', 'alert');
  }
});
