// Memory measurement for workshop capacity planning, against the real Docker engine.
import assert from 'node:assert/strict';
import { LABEL_SESSION } from '../../cluster/environment.js';
import { dockerMemory, measureEnvironmentMemory, parseMemUsage } from '../../cluster/docker/memory.js';
import { removeContainer, requireBusybox, startContainer, uniqueId } from '../helpers/docker.js';

describe('docker memory (real Docker)', function () {
  this.timeout(60_000);
  before(requireBusybox);

  it('parses docker stats MemUsage in every unit it prints', () => {
    assert.equal(parseMemUsage('12.5MiB / 7.7GiB'), Math.round(12.5 * 1024 ** 2));
    assert.equal(parseMemUsage('512KiB / 1GiB'), 512 * 1024);
    assert.equal(parseMemUsage('1.2GB / 8GB'), 1.2e9);
    assert.equal(parseMemUsage('--'), undefined);
  });

  it("measures the memory a session's containers use, and none for a session with no containers", async () => {
    const session = uniqueId('mem');
    const names = [uniqueId('mem-a'), uniqueId('mem-b')];
    try {
      for (const n of names) await startContainer(n, ['--label', `${LABEL_SESSION}=${session}`]);
      const used = await measureEnvironmentMemory(session);
      assert.ok(used !== undefined && used > 0, `measured ${used}`);
      assert.ok(used < 256 * 1024 ** 2, `two idle busybox containers use little memory, measured ${used}`);
      assert.equal(await measureEnvironmentMemory(uniqueId('nobody')), undefined);
      assert.ok((await dockerMemory()) > 1024 ** 3);
    } finally {
      for (const n of names) await removeContainer(n);
    }
  });
});
