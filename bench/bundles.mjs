// Bundle sizes for npm run bench (bench/run.mjs): our browser code flow against the libraries that do the
// same job (a sign-in with code + PKCE and a token afterwards) and against the floor of what it is built
// on. Every entry is bundled like scripts/build-browser.mjs --sizes, so the figures match `npm run size`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { SIZE_BUILD } from '../scripts/bundle-settings.mjs';
import { row, runDirectly, table } from './measure.mjs';

const root = path.resolve(import.meta.dirname, '..');
const kib = (bytes) => bytes / 1024;
const version = async (dir) => JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')).version;

/** `contents` bundled as `npm run size` bundles: minified bytes, gzipped bytes, and the metafile. */
async function bundle(contents) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts' },
    ...SIZE_BUILD,
    metafile: true,
  });
  const bytes = result.outputFiles[0].contents;
  return { min: bytes.length, gz: gzipSync(bytes).length, metafile: result.metafile };
}

// Built once: bundleRows and bundleComposition both read it.
let ours;
const oursBundle = () => {
  ours ??= bundle("export { createCodeBrowserLogin } from './src/browser.ts';");
  return ours;
};

/** The one output's inputs that made it into the bundle (tree-shaken files have 0 bytes). */
const inputsOf = (metafile) =>
  Object.entries(Object.values(metafile.outputs)[0].inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0);

/**
 * The oauth4webapi exports our code-flow bundle calls: `oauth.x` and `import { x }` in the files of ours
 * that esbuild kept, less the names that are only types. Derived, so the floor follows the code.
 */
async function oauthNames(metafile) {
  const runtime = new Set(Object.keys(await import('oauth4webapi')));
  const names = new Set();
  for (const [file] of inputsOf(metafile)) {
    if (file.startsWith('node_modules/') || file === '<stdin>') continue;
    const source = await readFile(path.join(root, file), 'utf8');
    if (!source.includes("'oauth4webapi'")) continue;
    for (const [, name] of source.matchAll(/\boauth\.(\w+)/g)) names.add(name);
    for (const [, list] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'oauth4webapi'/g)) {
      for (const part of list.split(',')) names.add(part.trim().split(/\s+as\s+/)[0]);
    }
  }
  return [...names].filter((name) => runtime.has(name)).sort();
}

const sizes = (b) => `${kib(b.min).toFixed(1)} KiB min, ${kib(b.gz).toFixed(1)} KiB min+gz`;

/** Rows for docs/benchmarks.md: ours, the peers and the floors, min+gz against oidc-client-ts. */
export async function bundleRows() {
  const us = await oursBundle();
  const peers = [
    ['oidc-client-ts', "export { UserManager } from 'oidc-client-ts';"],
    ['@azure/msal-browser', "export { PublicClientApplication } from '@azure/msal-browser';"],
    ['@auth0/auth0-spa-js', "export { createAuth0Client } from '@auth0/auth0-spa-js';"],
  ];
  const names = await oauthNames(us.metafile);
  const oauth = names.join(', ');
  const xstate = "export { createActor, setup, assign, fromPromise } from 'xstate';";
  const floors = [
    ['floor: xstate (createActor, setup, assign, fromPromise)', xstate],
    [
      `floor: oauth4webapi (the ${names.length} exports our code-flow bundle uses)`,
      `export { ${oauth} } from 'oauth4webapi';`,
    ],
    ['floor: xstate + oauth4webapi', `${xstate}\nexport { ${oauth} } from 'oauth4webapi';`],
    [
      "floor: xstate + oauth4webapi + jose's ID-token signature check (jwtVerify, createRemoteJWKSet, as src/protocol/oidc/id-token.ts imports them)",
      `${xstate}\nexport { ${oauth} } from 'oauth4webapi';\nexport { jwtVerify } from 'jose/jwt/verify';\nexport { createRemoteJWKSet } from 'jose/jwks/remote';`,
    ],
  ];

  const built = [];
  for (const [name, contents] of peers) {
    try {
      built.push([`${name} ${await version(path.join(root, 'node_modules', name))}`, await bundle(contents)]);
    } catch (error) {
      // A peer that does not bundle for the browser as-is gets no row rather than a made-up one.
      console.warn(`bench/bundles.mjs: ${name} left out, it does not bundle for the browser: ${error.message}`);
    }
  }
  const oidc = built.find(([name]) => name.startsWith('oidc-client-ts '));
  if (!oidc) throw new Error('oidc-client-ts, the baseline, did not bundle');
  for (const [name, contents] of floors) built.push([name, await bundle(contents)]);

  const baseline = `${oidc[0]}: ${sizes(oidc[1])}`;
  const versus = (what, b, target) => row({ what, baseline, measured: sizes(b), ratio: b.gz / oidc[1].gz, target });
  return [
    // The issue's two targets: ≤ 1.5× oidc-client-ts, which it puts at ≤ 26 KiB min+gz.
    versus(`cdf-authflow ${await version(root)} code + PKCE (createCodeBrowserLogin), min+gz`, us, 1.5),
    row({
      what: 'cdf-authflow code + PKCE, absolute min+gz',
      baseline: 'issue target',
      measured: sizes(us),
      ratio: kib(us.gz),
      target: 26,
      unit: ' KiB',
    }),
    ...built.map(([what, b]) => versus(`${what}, min+gz`, b)),
  ];
}

/** Which group a metafile input belongs to: its package, or its folder of ours. */
function groupOf(file) {
  const pkg = file.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (pkg) return pkg[1];
  const parts = file.split('/');
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}` : 'src (top level)';
  return parts.length > 1 ? parts[0] : file;
}

/** A markdown account of what our code-flow bundle is made of, by package and folder, and its largest files. */
export async function bundleComposition() {
  const us = await oursBundle();
  const inputs = inputsOf(us.metafile);
  const groups = new Map();
  for (const [file, { bytesInOutput }] of inputs) {
    const group = groupOf(file);
    const g = groups.get(group) ?? { bytes: 0, files: 0 };
    g.bytes += bytesInOutput;
    g.files += 1;
    groups.set(group, g);
  }
  // What no input claims: esbuild's glue between modules (export statements, helpers).
  const claimed = inputs.reduce((sum, [, { bytesInOutput }]) => sum + bytesInOutput, 0);
  groups.set('(esbuild glue)', { bytes: us.min - claimed, files: 0 });

  const pct = (bytes) => `${((100 * bytes) / us.min).toFixed(1)} %`;
  const gzEst = (bytes) => kib((bytes / us.min) * us.gz).toFixed(1);
  const byGroup = [...groups].sort((a, b) => b[1].bytes - a[1].bytes);
  const ownFiles = inputs
    .filter(([file]) => !file.startsWith('node_modules/') && file !== '<stdin>')
    .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
    .slice(0, 10);

  return `### What the code-flow bundle (createCodeBrowserLogin) is made of

Total: ${sizes(us)}.

| group | files | KiB min | share | ≈ KiB gz (estimate) |
| --- | ---: | ---: | ---: | ---: |
${byGroup.map(([name, g]) => `| ${name} | ${g.files || ''} | ${kib(g.bytes).toFixed(1)} | ${pct(g.bytes)} | ${gzEst(g.bytes)} |`).join('\n')}

KiB min is esbuild's bytesInOutput per input; the gz column is only an estimate, each group's share of the
minified bytes times the whole bundle's gzipped size (gzip compresses groups unevenly).

The 10 largest of our own files in it:

| file | KiB min | share |
| --- | ---: | ---: |
${ownFiles.map(([file, { bytesInOutput }]) => `| ${file} | ${kib(bytesInOutput).toFixed(1)} | ${pct(bytesInOutput)} |`).join('\n')}
`;
}

if (runDirectly(import.meta.url)) {
  console.log(`${table(await bundleRows())}\n\n${await bundleComposition()}`);
}
