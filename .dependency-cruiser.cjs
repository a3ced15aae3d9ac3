/**
 * The layering of the README's "Layout", enforced by `npm test` (npm run arrows):
 * cli -> drivers -> flows -> {machines, protocol, stores, session}; machines -> xstate only; protocol
 * knows no runtime and no face; flows are runtime-free; the emulator shares no code with the client side.
 */
const CLIENT =
  '^src/(protocol|flows|drivers|stores|session|viz|errors|cli|config)/|^src/(index|node|browser)\\.ts$|^machines/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other cannot be understood (or moved) one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'machines-import-xstate-only',
      severity: 'error',
      comment: 'machines/ holds pure definitions: no I/O, no clock, no runtime, nothing of src/.',
      from: { path: '^machines/' },
      to: { pathNot: ['^machines/', '^node_modules/xstate/'] },
    },
    {
      name: 'protocol-knows-no-runtime-or-face',
      severity: 'error',
      comment:
        'The wire code runs in every runtime and serves every face: no node: builtins, no driver, store, session, CLI or view.',
      from: { path: '^src/protocol/' },
      to: {
        path: [
          '^src/(flows|drivers|stores|session|cli|viz|emulator)/',
          '^(node:)?(fs|http|https|net|child_process|os|path|crypto)$',
        ],
      },
    },
    {
      name: 'config-is-plain-data',
      severity: 'error',
      comment: 'IdP presets and settings are plain values: no I/O, no runtime, nothing above them.',
      from: { path: '^src/config/' },
      to: { path: ['^src/(?!config/)', '^machines/'], dependencyTypes: ['local', 'core', 'npm'] },
    },
    {
      name: 'flows-are-runtime-free',
      severity: 'error',
      comment: 'A flow is a machine with its protocol effects, shared by every driver: no runtime, driver or face.',
      from: { path: '^src/flows/' },
      to: { path: '^src/(drivers|stores|cli|viz|emulator)/' },
    },
    {
      name: 'flows-have-no-node',
      severity: 'error',
      from: { path: '^src/flows/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'session-below-drivers',
      severity: 'error',
      comment: 'The session is shared by every driver and knows none of them.',
      from: { path: '^src/session/' },
      to: { path: '^src/(drivers|stores|cli|viz|emulator)/' },
    },
    {
      name: 'stores-below-drivers',
      severity: 'error',
      from: { path: '^src/stores/' },
      to: { path: '^src/(drivers|session|cli|viz|emulator|protocol)/' },
    },
    {
      name: 'drivers-below-cli',
      severity: 'error',
      comment: 'Only the CLI (and the entries) sit above the drivers.',
      from: { path: '^src/(drivers|flows|protocol|session|stores|errors)/|^machines/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'emulator-shares-no-client-code',
      severity: 'error',
      comment: 'The emulator is a second implementation of the server side; sharing code would hide client bugs.',
      from: { path: '^src/emulator/' },
      to: { path: CLIENT },
    },
    {
      name: 'client-never-loads-the-emulator',
      severity: 'error',
      comment: 'oidc-provider and its Koa stack stay out of the library; only the CLI loads the emulator (lazily).',
      from: {
        path: '^src/(protocol|flows|drivers|stores|session|viz|errors|config)/|^src/(index|node|browser)\\.ts$|^machines/',
      },
      to: { path: '^src/emulator/' },
    },
    {
      name: 'browser-entry-has-no-node',
      severity: 'error',
      comment: 'The browser driver and its entry run in a browser: no node: builtins.',
      from: { path: '^src/browser\\.ts$|^src/drivers/browser' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|dist|examples|bench|scripts)/' },
  },
};
