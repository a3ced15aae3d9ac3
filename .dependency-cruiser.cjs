/**
 * The layering of the README's "Layout", enforced by `npm test` (npm run arrows):
 * cli -> drivers -> flows -> {machines, protocol, stores, session}; machines -> xstate only; protocol
 * knows no runtime and no face; flows are runtime-free; the emulator shares no code with the client side.
 */
const CLIENT =
  '^src/(protocol|flows|drivers|stores|session|viz|errors|cli|config)/|^src/(index|node|browser)\\.ts$|^machines/';

/** A forbidden arrow: nothing matching `from` may import anything matching `to`. */
const forbid = (name, comment, from, to) => ({ name, severity: 'error', comment, from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    forbid(
      'no-circular',
      'Modules that import each other cannot be understood (or moved) one at a time.',
      {},
      { circular: true },
    ),
    forbid(
      'machines-import-xstate-only',
      'machines/ holds pure definitions: no I/O, no clock, no runtime, nothing of src/.',
      { path: '^machines/' },
      { pathNot: ['^machines/', '^node_modules/xstate/'] },
    ),
    forbid(
      'protocol-knows-no-runtime-or-face',
      'The wire code runs in every runtime and serves every face: no node: builtins, no driver, store, session, CLI or view.',
      { path: '^src/protocol/' },
      {
        path: [
          '^src/(flows|drivers|stores|session|cli|viz|emulator)/',
          '^(node:)?(fs|http|https|net|child_process|os|path|crypto)$',
        ],
      },
    ),
    forbid(
      'config-is-plain-data',
      'IdP presets and settings are plain values: no I/O, no runtime, nothing above them (the error classes are plain too).',
      { path: '^src/config/' },
      { path: '^src/(?!config/|errors/)', dependencyTypes: ['local', 'core', 'npm'] },
    ),
    forbid(
      'config-names-machines-types-only',
      "Settings name a flow by its machine's name (FlowName from MachineName): a type, erased at build; no machine is loaded.",
      { path: '^src/config/' },
      { path: '^machines/', dependencyTypesNot: ['type-only'] },
    ),
    forbid(
      'flows-are-runtime-free',
      'A flow is a machine with its protocol effects, shared by every driver: no runtime, driver or face.',
      { path: '^src/flows/' },
      { path: '^src/(drivers|stores|cli|viz|emulator)/' },
    ),
    forbid(
      'flows-have-no-node',
      'Flows run in the browser too.',
      { path: '^src/flows/' },
      { dependencyTypes: ['core'] },
    ),
    forbid(
      'session-below-drivers',
      'The session is shared by every driver and knows none of them.',
      { path: '^src/session/' },
      { path: '^src/(drivers|stores|cli|viz|emulator)/' },
    ),
    forbid(
      'stores-below-drivers',
      "A store keeps tokens; it knows no driver, session, face or wire. It may implement the session's store and lock interfaces (types only, in src/session/credential-store.ts).",
      { path: '^src/stores/' },
      { path: '^src/(drivers|session|cli|viz|emulator|protocol)/', pathNot: '^src/session/credential-store\\.ts$' },
    ),
    forbid(
      'drivers-below-cli',
      'Only the CLI (and the entries) sit above the drivers.',
      { path: '^src/(drivers|flows|protocol|session|stores|errors)/|^machines/' },
      { path: '^src/cli/' },
    ),
    forbid(
      'emulator-shares-no-client-code',
      'The emulator is a second implementation of the server side; sharing code would hide client bugs.',
      { path: '^src/emulator/' },
      { path: CLIENT },
    ),
    forbid(
      'client-never-loads-the-emulator',
      'oidc-provider and its Koa stack stay out of the library; only the CLI loads the emulator (lazily).',
      {
        path: '^src/(protocol|flows|drivers|stores|session|viz|errors|config)/|^src/(index|node|browser)\\.ts$|^machines/',
      },
      { path: '^src/emulator/' },
    ),
    forbid(
      'browser-entry-has-no-node',
      'The browser driver and its entry run in a browser: no node: builtins.',
      { path: '^src/browser\\.ts$|^src/drivers/browser' },
      { dependencyTypes: ['core'] },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|dist|examples|bench|scripts)/' },
  },
};
