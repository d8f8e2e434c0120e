/**
 * Learner pages in workshop mode: who is signed in (in the top bar) and, once
 * the instructor ends the event, a plain "the workshop has ended" state over
 * the page. Outside workshop mode it does nothing.
 */
import { openSocket, type PageSocket } from '../socket.js';
import { fill, h } from '../dom.js';
import { workshopApi, type Me } from './workshop-api.js';

const ENDED_MESSAGE = 'The workshop has ended. Thank you for taking part!';

/** Add the learner's name to the page and watch for the end of the event. */
export async function showWorkshopIdentity(root: HTMLElement): Promise<void> {
  if (document.body.dataset.mode !== 'workshop') return; // a local server has no learners to ask about
  let me: Me;
  try {
    me = await workshopApi.me();
  } catch {
    return; // not a workshop, or not a learner (the server redirects those to /join)
  }
  root.classList.add('kl-workshop');
  const bar = root.querySelector('.kl-topbar');
  bar?.append(h('span', { class: 'kl-learner-chip', title: 'You are signed in to this workshop as' }, h('span', { class: 'kl-muted' }, 'Signed in as '), me.name));

  if (me.ended) return showEnded(root, ENDED_MESSAGE);
  // Its own socket: the page's socket belongs to the page; this one only listens.
  const socket: PageSocket = openSocket();
  socket.on('workshop:ended', (info) => {
    showEnded(root, info.message || ENDED_MESSAGE);
    socket.close();
  });
}

export function showEnded(root: HTMLElement, message: string): void {
  if (root.querySelector('.kl-ended')) return;
  root.classList.add('kl-workshop--ended');
  const overlay = h('div', { class: 'kl-ended', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'kl-ended-title' });
  // The heading already says it ended; the server's sentence may too.
  const rest = message.replace(/^the workshop has ended\.?\s*/i, '') || 'Thank you for taking part!';
  fill(
    overlay,
    h(
      'div',
      { class: 'kl-ended-card' },
      h('p', { class: 'kl-join-kicker' }, 'Workshop'),
      h('h1', { id: 'kl-ended-title' }, 'The workshop has ended'),
      h('p', {}, rest),
      h('p', { class: 'kl-muted' }, 'Your environment has been removed; your progress was kept for the instructor.'),
    ),
  );
  root.append(overlay);
}
