// createEnvironment against the real Docker engine: an environment restored
// after a restart (a new object for the same session, never provisioned in
// this process) still removes everything the earlier process created.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvironment } from '../../cluster/create-environment.js';
import { LABEL_SESSION } from '../../cluster/environment.js';
import type { ContainersEnvironmentSpec } from '../../common/lab.js';
import { BUSYBOX, objectsWithLabel, requireBusybox, uniqueId } from '../helpers/docker.js';

describe('createEnvironment (real Docker)', function () {
  this.timeout(90_000);
  let dataDir: string;
  const spec: ContainersEnvironmentSpec = { type: 'containers', machines: [{ name: 'alpha', image: BUSYBOX }] };

  before(async () => {
    await requireBusybox();
    dataDir = mkdtempSync(join(tmpdir(), 'kindlab-create-env-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('destroys a restored containers environment that this process never provisioned', async () => {
    const sessionId = uniqueId('restore');
    const init = { sessionId, labId: 'restore-test', labFilesDir: join(dataDir, 'no-files'), dataDir };
    const first = createEnvironment(spec, init);
    const r = await first.provision();
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal((await objectsWithLabel('container', LABEL_SESSION, sessionId)).length, 1);

    // What a restarted server does for a session it finds in the store.
    const restored = createEnvironment(spec, init);
    assert.equal(restored.state, 'absent');
    await restored.destroy();
    assert.deepEqual(await objectsWithLabel('container', LABEL_SESSION, sessionId), []);
    assert.deepEqual(await objectsWithLabel('network', LABEL_SESSION, sessionId), []);
    assert.deepEqual(await objectsWithLabel('volume', LABEL_SESSION, sessionId), []);
  });
});
