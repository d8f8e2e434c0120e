import assert from 'node:assert/strict';
import { workshopBanner } from './workshop-banner.js';

const urls = [
  { url: 'http://192.168.1.20:4173/', loopback: false },
  { url: 'http://10.0.0.7:4173/', loopback: false },
  { url: 'http://127.0.0.1:4173/', loopback: true },
];
const TOKEN = 'tok_' + 'x'.repeat(39);

describe('workshopBanner', () => {
  it('prints a join line and an instructor line per address, and the token exactly once (on the loopback link)', () => {
    const lines = workshopBanner({ title: 'Pods', code: 'PODS-42', urls, newInstructorToken: TOKEN });
    assert.deepEqual(lines, [
      'kindlab: workshop "Pods" — learners join with the code PODS-42 at:',
      'kindlab:   http://192.168.1.20:4173/join',
      'kindlab:   http://10.0.0.7:4173/join',
      'kindlab:   http://127.0.0.1:4173/join  (this machine only)',
      'kindlab: instructor (the token is shown once; keep it private):',
      `kindlab:   http://127.0.0.1:4173/instructor#token=${TOKEN}  (this machine only)`,
      'kindlab:   http://192.168.1.20:4173/instructor  (paste the token there)',
      'kindlab:   http://10.0.0.7:4173/instructor  (paste the token there)',
    ]);
    assert.equal(lines.join('\n').split(TOKEN).length - 1, 1);
    assert.doesNotMatch(lines.join('\n'), /0\.0\.0\.0/);
  });

  it('prints no token on a restart', () => {
    const lines = workshopBanner({ title: 'Pods', code: 'PODS-42', urls, newInstructorToken: undefined });
    assert.doesNotMatch(lines.join('\n'), /token=/);
    assert.equal(lines.filter((l) => l.includes('/instructor')).length, 3);
  });

  it('puts the token on the only link when there is no loopback one', () => {
    const lines = workshopBanner({ title: 'T', code: 'ABC', urls: [{ url: 'http://10.0.0.7:80/', loopback: false }], newInstructorToken: TOKEN });
    assert.ok(lines.includes(`kindlab:   http://10.0.0.7:80/instructor#token=${TOKEN}`));
  });
});
