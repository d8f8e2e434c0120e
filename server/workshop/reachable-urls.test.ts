import assert from 'node:assert/strict';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isWildcardHost, reachableUrls, type Interfaces } from './reachable-urls.js';

const nic = (address: string, fam: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo =>
  (fam === 'IPv4'
    ? { address, family: fam, internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: `${address}/24` }
    : { address, family: fam, internal, netmask: 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00', cidr: `${address}/64`, scopeid: 0 }) as NetworkInterfaceInfo;

const MACHINE: Interfaces = {
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  eth0: [nic('192.168.1.20', 'IPv4'), nic('2001:db8::20', 'IPv6'), nic('fe80::1', 'IPv6')],
  wlan0: [nic('10.0.0.7', 'IPv4')],
  docker0: [nic('172.17.0.1', 'IPv4')],
  // The same address on two interfaces (e.g. a bridge and its port) is listed once.
  br0: [nic('10.0.0.7', 'IPv4')],
};

describe('reachableUrls', () => {
  it('expands 0.0.0.0 to every non-loopback IPv4 address, one URL each, then the loopback one', () => {
    assert.deepEqual(reachableUrls('0.0.0.0', 4173, MACHINE), [
      { url: 'http://192.168.1.20:4173/', loopback: false },
      { url: 'http://10.0.0.7:4173/', loopback: false },
      { url: 'http://172.17.0.1:4173/', loopback: false },
      { url: 'http://127.0.0.1:4173/', loopback: true },
    ]);
  });

  it('expands :: (dual-stack) to IPv4 and routable IPv6 addresses, never link-local ones', () => {
    const urls = reachableUrls('::', 80, MACHINE).map((u) => u.url);
    assert.deepEqual(urls, ['http://192.168.1.20:80/', 'http://10.0.0.7:80/', 'http://172.17.0.1:80/', 'http://[2001:db8::20]:80/', 'http://127.0.0.1:80/']);
  });

  it('never prints a wildcard address, even on a machine with no network', () => {
    assert.deepEqual(reachableUrls('0.0.0.0', 4173, { lo: [nic('127.0.0.1', 'IPv4', true)] }), [{ url: 'http://127.0.0.1:4173/', loopback: true }]);
    for (const host of ['0.0.0.0', '::']) for (const u of reachableUrls(host, 1, networkInterfaces())) assert.doesNotMatch(u.url, /\/\/(0\.0\.0\.0|\[::\]):/);
  });

  it('keeps a named host as it is', () => {
    assert.deepEqual(reachableUrls('192.168.1.20', 4173, MACHINE), [{ url: 'http://192.168.1.20:4173/', loopback: false }]);
    assert.deepEqual(reachableUrls('::1', 4173, MACHINE), [{ url: 'http://[::1]:4173/', loopback: true }]);
    assert.deepEqual(reachableUrls('127.0.0.1', 4173, MACHINE), [{ url: 'http://127.0.0.1:4173/', loopback: true }]);
  });

  it('knows the wildcard spellings', () => {
    for (const h of ['0.0.0.0', '::', '[::]']) assert.equal(isWildcardHost(h), true, h);
    for (const h of ['127.0.0.1', 'localhost', '10.0.0.7', '::1']) assert.equal(isWildcardHost(h), false, h);
  });

  it('lists this machine\'s real addresses', () => {
    const real = Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal && i.family === 'IPv4').map((i) => i!.address);
    const urls = reachableUrls('0.0.0.0', 4173, networkInterfaces()).map((u) => u.url);
    assert.deepEqual(urls, [...new Set(real)].map((a) => `http://${a}:4173/`).concat('http://127.0.0.1:4173/'));
  });
});
