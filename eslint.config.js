// Lint: typescript-eslint, zero warnings, and the layer rule from docs/architecture.md:
//   web → common;  server → common, cluster;  cluster → common.  Nothing imports server/ or web/.
// Plus: only cluster/pty.ts imports node-pty, only cluster/tool.ts imports execa, and only cluster/
// calls runTool/tryTool (server/ may catch a ToolError, never start a tool).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LAYERS = {
  common: ['cluster', 'server', 'web'],
  cluster: ['server', 'web'],
  server: ['web'],
  web: ['cluster', 'server'],
};
const NO_NODE = new Set(['common', 'web']);

function patterns(name, { allowPty = false, allowExeca = false } = {}) {
  const p = LAYERS[name].map((f) => ({
    group: [`**/${f}/*`, `../${f}`, `../../${f}`, `../../../${f}`],
    message: `${name}/ may not import ${f}/ (web → common; server → common, cluster; cluster → common).`,
  }));
  if (NO_NODE.has(name)) p.push({ group: ['node:*', 'fs', 'path', 'child_process', 'os'], message: `${name}/ must not use Node built-ins.` });
  if (!allowPty) p.push({ group: ['node-pty'], message: 'Only cluster/pty.ts imports node-pty.' });
  if (!allowExeca) p.push({ group: ['execa'], message: 'Only cluster/tool.ts runs external tools (execa).' });
  if (name !== 'cluster') {
    p.push({
      group: ['**/cluster/tool.js'],
      importNames: ['runTool', 'tryTool', 'pipeTools'],
      message: 'Only cluster/ runs docker, kind or kubectl: add a function there and call it.',
    });
  }
  return ['error', { patterns: p }];
}

const layerRules = Object.keys(LAYERS).map((name) => ({
  files: [`${name}/**/*.ts`],
  ignores: [`${name}/**/*.test.ts`],
  rules: { 'no-restricted-imports': patterns(name) },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.kindlab/**', 'labs/**', 'bench/results/**', 'bench/.work/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', module: 'writable', require: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly' },
    },
  },
  ...layerRules,
  { files: ['cluster/pty.ts'], rules: { 'no-restricted-imports': patterns('cluster', { allowPty: true }) } },
  { files: ['cluster/tool.ts'], rules: { 'no-restricted-imports': patterns('cluster', { allowExeca: true }) } },
);
