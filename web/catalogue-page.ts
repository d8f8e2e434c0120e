/** The front page: one card per lab; a broken lab shows its problems with file:line. */
import type { CatalogueEntry, LabProblem } from '../common/lab.js';
import { api, ENVIRONMENT_NAMES } from './api.js';
import { fill, h, richText } from './dom.js';

export async function renderCataloguePage(root: HTMLElement): Promise<void> {
  document.title = 'kindlab — labs';
  const list = h('div', { class: 'kl-cards', 'aria-live': 'polite' }, h('p', { class: 'kl-muted' }, 'Loading labs…'));
  const system = h('section', { class: 'kl-system', 'aria-label': 'System check', hidden: true });
  fill(
    root,
    topbar(),
    h(
      'main',
      { class: 'kl-catalogue' },
      h('h1', {}, 'Labs'),
      h('p', { class: 'kl-lead' }, 'Each lab pairs a chapter with live terminals. Start one, follow the steps, and press Check to see how you did.'),
      system,
      list,
    ),
  );
  root.removeAttribute('aria-busy');

  try {
    const entries = await api.catalogue();
    fill(list, ...(entries.length ? entries.map(card) : [h('p', { class: 'kl-muted' }, 'No labs found. Put lab folders under labs/ and restart kindlab.')]));
  } catch (e) {
    fill(list, h('p', { class: 'kl-error', role: 'alert' }, `Could not load the labs: ${e instanceof Error ? e.message : String(e)}`));
  }
  void showSystemProblems(system, list);
}

/** Doctor findings (by id) without which an environment type cannot start. */
const NEEDED_BY: Record<string, readonly string[]> = {
  local: [],
  containers: ['docker-cli', 'docker-daemon'],
  kind: ['docker-cli', 'docker-daemon', 'kind', 'kubectl', 'privileged'],
};

export function topbar(...rest: (Node | string)[]): HTMLElement {
  return h('header', { class: 'kl-topbar' }, h('a', { class: 'kl-brand', href: '/' }, h('span', { class: 'kl-logo', 'aria-hidden': 'true' }, '⎈'), 'kindlab'), ...rest);
}

function card(e: CatalogueEntry): HTMLElement {
  if (!e.ok) {
    return h(
      'article',
      { class: 'kl-card kl-card--broken', 'data-lab': e.id },
      h('h2', {}, e.title || e.id, ' ', h('span', { class: 'kl-badge kl-badge--failed' }, 'broken')),
      h('p', { class: 'kl-muted' }, `This lab could not be loaded (labs/${e.id}). Fix these and restart:`),
      h('ul', { class: 'kl-problems' }, ...e.problems.map(problem)),
    );
  }
  const steps = `${e.steps} step${e.steps === 1 ? '' : 's'}`;
  return h(
    'article',
    { class: 'kl-card', 'data-lab': e.id, 'data-environment': e.environment },
    h('h2', {}, h('a', { href: `/labs/${encodeURIComponent(e.id)}` }, e.title)),
    h('p', {}, e.summary),
    h(
      'div',
      { class: 'kl-card-foot' },
      h('span', { class: 'kl-chip' }, ENVIRONMENT_NAMES[e.environment] ?? e.environment),
      h('span', { class: 'kl-chip' }, steps),
      h('a', { class: 'kl-button kl-button--primary', href: `/labs/${encodeURIComponent(e.id)}`, 'aria-label': `Start ${e.title}` }, 'Start lab'),
    ),
  );
}

function problem(p: LabProblem): HTMLElement {
  return h('li', { class: `kl-problem kl-problem--${p.severity}` }, h('code', {}, `${p.file}:${p.line}`), ' ', h('span', { class: 'kl-problem-severity' }, p.severity), ' ', p.message);
}

/**
 * Only what is wrong is shown; a healthy machine sees nothing. The details
 * start folded unless Docker itself is missing (then no lab but the local one
 * runs): the labs stay the first thing on the page, and each card whose
 * environment cannot start here says so.
 */
async function showSystemProblems(el: HTMLElement, list: HTMLElement): Promise<void> {
  try {
    const findings = (await api.doctor()).filter((d) => !d.ok && d.severity !== 'info');
    if (!findings.length) return;
    const blocking = new Set(findings.filter((d) => d.severity === 'error').map((d) => d.id));
    const blocked = (env: string): string[] => (NEEDED_BY[env] ?? []).filter((id) => blocking.has(id));
    const errors = findings.filter((d) => d.severity === 'error').length;
    const warnings = findings.length - errors;
    const counts = [errors ? `${errors} problem${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
    const details = h(
      'details',
      { open: blocked('containers').length > 0 },
      h('summary', {}, h('strong', {}, 'Your machine needs attention'), ` — ${counts}. `, h('span', { class: 'kl-summary-more' }, 'Show what to fix')),
      h(
        'ul',
        {},
        ...findings.map((d) => h('li', { class: `kl-diag kl-diag--${d.severity}` }, h('strong', {}, d.title), ': ', d.detail, d.fix ? h('div', { class: 'kl-fix' }, 'Fix: ', ...richText(d.fix)) : null)),
      ),
      h('p', { class: 'kl-muted' }, 'Run ', h('code', {}, 'kindlab doctor'), ' in a terminal to check again.'),
    );
    fill(el, details);
    el.hidden = false;
    for (const c of list.querySelectorAll<HTMLElement>('.kl-card[data-environment]')) {
      const missing = blocked(c.dataset.environment ?? '');
      if (!missing.length) continue;
      const names = findings.filter((d) => missing.includes(d.id)).map((d) => d.title);
      const show = h('button', { type: 'button', class: 'kl-link-button' }, 'what to fix');
      show.addEventListener('click', () => {
        details.open = true;
        el.scrollIntoView({ block: 'start', behavior: 'smooth' });
      });
      c.querySelector('.kl-card-foot')?.before(h('p', { class: 'kl-card-blocked' }, `⚠ Cannot start on this machine (${names.join(', ')}): `, show));
    }
  } catch {
    // The doctor is advice; the catalogue works without it.
  }
}
