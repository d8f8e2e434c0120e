// Mocha runs TypeScript straight from source through tsx.
// Unit tests sit beside the code; test/ holds integration, contract, browser and e2e suites.
// The real-kind suite (test/e2e-kind) runs only through `npm run test:e2e:kind`.
module.exports = {
  'node-option': ['import=tsx'],
  spec: ['{common,cluster,server,web}/**/*.test.ts', 'test/{unit,contract,integration,browser}/**/*.test.ts'],
  'forbid-only': Boolean(process.env.CI),
  timeout: 20000,
  exit: true,
  reporter: 'spec',
};
