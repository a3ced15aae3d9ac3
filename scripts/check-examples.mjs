// Type-checks every `@example` block in the JSDoc of src/ and machines/, and every ```ts block of the
// README (but those with `...` elisions), against the built package's own types (the `cdf-authflow/...`
// entries, as a user imports them), with Bundler resolution, as the README says apps need for
// @cognite/sdk (its declarations import their own files without extensions, which NodeNext does not
// follow); then every block that does not import @cognite/sdk again under NodeNext, which cdf-authflow
// supports. Names an example uses without importing or declaring come from one shared prelude below.
// `npm test` runs it after the build.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, '.examples-check');

/** What an example may use without saying where it comes from. */
const imports = {
  'cdf-authflow': [
    'createCdfClient',
    'createCdfSession',
    'createOidcClient',
    'isAuthFlowError',
    'renderDiagram',
    'clusterUrl',
    'cdfScopes',
    'entra',
    'auth0',
    'cognito',
    'okta',
    'keycloak',
    'oidc',
    'resolveSettings',
    'presetOf',
    'cogidp',
    'organizationProjects',
    'idpName',
    'isFresh',
  ],
  'cdf-authflow/node': [
    'loginWithApiKey',
    'loginWithAuthorizationCode',
    'loginWithLoginUrl',
    'loginWithDeviceCode',
    'defaultCredential',
  ],
  'cdf-authflow/browser': ['createBrowserLogin'],
  'cdf-authflow/machines': ['loginUrlMachine', 'type LegacyValidation'],
  xstate: ['createActor', 'fromPromise'],
  '@cognite/sdk': ['CogniteClient'],
};
const declarations = {
  apiKey: 'string',
  accessToken: 'string',
  appId: 'string',
  baseUrl: 'string',
  clientId: 'string',
  tenant: 'string',
  issuer: 'string',
  project: 'string',
  signal: 'AbortSignal',
  button: 'HTMLButtonElement',
  rotateKey: '() => void',
  options: "import('cdf-authflow/node').ApiKeyFlowOptions",
  tokens: "import('cdf-authflow').TokenSet",
  idp: "import('cdf-authflow').OidcClient",
  signIn: "import('cdf-authflow').OidcSignIn",
  input: "import('cdf-authflow/machines').LoginUrlInput",
  render: '(state: unknown) => void',
  signInButton: 'HTMLButtonElement',
};

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (name.endsWith('.ts')) files.push(full);
  }
};
walk(path.join(root, 'src'));
walk(path.join(root, 'machines'));

/** Each example's code with where it comes from. */
const examples = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/@example\s*\n((?:[ \t]*\*.*\n)+?)[ \t]*\*\//g)) {
    const body = match[1].replace(/^[ \t]*\* ?/gm, '');
    const code = /```ts\n([\s\S]*?)```/.exec(body)?.[1];
    if (code) examples.push({ file, code });
  }
}
const readme = path.join(root, 'README.md');
for (const match of readFileSync(readme, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)) {
  // A block that elides code (`fromPromise(...)`) is a sketch; `...` in a comment is not an elision.
  if (!match[1].replace(/\/\/.*$/gm, '').includes('...')) examples.push({ file: readme, code: match[1] });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
let count = 0;
const nodeNext = [];
for (const { file, code } of examples) {
  const lines = [];
  for (const [from, names] of Object.entries(imports)) {
    const bare = (n) => n.replace(/^type /, '');
    const wanted = names.filter(
      (n) => new RegExp(`\\b${bare(n)}\\b`).test(code) && !new RegExp(`import[^;]*\\b${bare(n)}\\b`).test(code),
    );
    if (wanted.length) lines.push(`import { ${wanted.join(', ')} } from '${from}';`);
  }
  for (const [name, type] of Object.entries(declarations)) {
    const declared = new RegExp(`(const|let)\\s+(\\{[^}]*\\b${name}\\b[^}]*\\}|${name}\\b)`).test(code);
    if (new RegExp(`\\b${name}\\b`).test(code) && !declared) lines.push(`declare const ${name}: ${type};`);
  }
  count += 1;
  const where = `${path.relative(root, file)}#${count}`;
  const source = `// ${where}\n${lines.join('\n')}\n${code}\nexport {};\n`;
  writeFileSync(path.join(out, `example-${count}.ts`), source);
  if (!lines.some((line) => line.includes("'@cognite/sdk'")) && !code.includes("'@cognite/sdk'")) {
    // .mts: an ES module under NodeNext whatever package.json says, as in a "type": "module" app.
    writeFileSync(path.join(out, `example-${count}.mts`), source);
    nodeNext.push(`example-${count}.mts`);
  }
}
/** A tsconfig beside the examples: the project's, with the module resolution and the files given. */
const tsconfig = (name, compilerOptions, files) =>
  writeFileSync(
    path.join(out, name),
    JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '..', noUnusedLocals: false, ...compilerOptions },
      ...files,
    }),
  );
tsconfig('tsconfig.json', { module: 'ESNext', moduleResolution: 'Bundler' }, { include: ['*.ts'] });
tsconfig('tsconfig.nodenext.json', { module: 'NodeNext', moduleResolution: 'NodeNext' }, { files: nodeNext });
for (const config of ['tsconfig.json', 'tsconfig.nodenext.json']) {
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(out, config)], {
      stdio: 'inherit',
    });
  } catch {
    console.error(
      `check-examples: an example does not type-check under ${config} (the files are in ${path.relative(root, out)}/).`,
    );
    process.exit(1);
  }
}
console.log(
  `check-examples: ${count} examples type-check (Bundler); ${nodeNext.length} without @cognite/sdk also under NodeNext.`,
);
rmSync(out, { recursive: true, force: true });
