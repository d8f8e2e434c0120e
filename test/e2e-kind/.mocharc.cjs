// The real-kind suite: only through `npm run test:e2e:kind` (needs Docker, kind,
// kubectl and a registry for the node image; see .github/workflows/kind-e2e.yml).
module.exports = {
  'node-option': ['import=tsx'],
  spec: ['test/e2e-kind/**/*.test.ts'],
  'forbid-only': true,
  timeout: 30 * 60_000,
  exit: true,
  reporter: 'spec',
};
