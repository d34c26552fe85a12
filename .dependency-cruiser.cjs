// The module map of docs/ARCHITECTURE.md, enforced: `npm run lint:deps` (part of `npm test`) fails on an
// import that crosses a boundary the map does not allow. Paths are matched as `…src/<module>/…` so the same
// rules also run over test/fixtures/boundaries (test/architecture/boundaries.test.ts shows them failing).

/** Which modules each module may import (besides itself). Keep in step with docs/ARCHITECTURE.md. */
const allowed = {
  platform: [],
  ledger: ['platform'],
  crypto: ['platform', 'ledger'],
  vault: ['platform', 'crypto', 'ledger'],
  identity: ['platform', 'crypto', 'ledger'],
  watch: ['platform', 'crypto', 'ledger', 'vault', 'identity'],
  privacy: ['platform', 'crypto', 'ledger', 'vault', 'identity'],
  access: ['platform', 'crypto', 'ledger', 'vault', 'identity', 'watch', 'privacy'],
  trace: ['platform', 'ledger', 'vault', 'watch', 'identity'],
  compliance: ['platform', 'ledger', 'privacy', 'identity'],
  demo: ['platform', 'crypto', 'vault', 'identity', 'watch', 'access'],
  http: ['platform'],
};
const modules = Object.keys(allowed);
const src = '(^|/)src/';

/** One rule per module: it may import only its allowed modules. */
const moduleRules = modules.map((name) => ({
  name: `module-${name}`,
  comment: `${name}/ may import only: ${allowed[name].join(', ') || 'nothing outside itself'} (docs/ARCHITECTURE.md)`,
  severity: 'error',
  from: { path: `${src}${name}/` },
  to: {
    path: `${src}(${modules.filter((m) => m !== name && !allowed[name].includes(m)).join('|')}|cli)/`,
  },
}));

module.exports = {
  forbidden: [
    ...moduleRules,
    {
      name: 'composition-root-on-top',
      comment: 'Only the command line builds a Custos: no module imports the composition root (src/app.ts).',
      severity: 'error',
      from: { path: `${src}(?!cli/)`, pathNot: `${src}app\\.ts$` },
      to: { path: `${src}app\\.ts$` },
    },
    {
      name: 'simulator-only-from-the-command-line',
      comment:
        'The organisation simulator (sim/) drives the product from outside: only the command line (`custos simulate`) imports it.',
      severity: 'error',
      from: { path: `${src}(?!cli/)` },
      to: { path: '(^|/)sim/' },
    },
    {
      name: 'row-types-in-stores',
      comment:
        "Only *.store.ts files (and the database layer itself) see database row types: services work with their module's own types.",
      severity: 'error',
      from: { path: src, pathNot: ['\\.store\\.ts$', `${src}platform/database/`] },
      to: { path: `${src}platform/database/schema\\.ts$` },
    },
    {
      name: 'migrations-only-through-the-migrator',
      severity: 'error',
      from: { path: src, pathNot: `${src}platform/database/` },
      to: { path: `${src}platform/database/migrations/` },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'No file imports itself through others.',
      severity: 'error',
      from: { path: src },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js'] },
  },
};
