// Mocha runs TypeScript straight from source through tsx.
// Unit tests sit beside the code; test/ holds integration, contract, browser and e2e suites.
// The spec list lives in package.json's scripts (so `npx mocha one.test.ts` runs just that file).
// The real-kind suite (test/e2e-kind) runs only through `npm run test:e2e:kind`.
module.exports = {
  'node-option': ['import=tsx'],
  'forbid-only': Boolean(process.env.CI),
  timeout: 20000,
  exit: true,
  reporter: 'spec',
};
