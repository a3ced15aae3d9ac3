/**
 * docs/verification.md, generated: coverage of every machine by generated paths, the invariants,
 * races and fuzzers by name, and the last mutation scores. `npm test` fails when the file is stale;
 * `npm run verify` rewrites it; `npm run mutate` runs Stryker first and then rewrites it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { bothWays } from './helpers/graph-coverage.js';
import { machinesUnderTest } from './machines/registry.js';

const root = path.resolve(import.meta.dirname, '..');
const docPath = path.join(root, 'docs/verification.md');
const MUTATION_START = '<!-- mutation:start -->';
const MUTATION_END = '<!-- mutation:end -->';
const MODEL_START = '<!-- model-check:start -->';
const MODEL_END = '<!-- model-check:end -->';

const testNames = (file: string, pattern: RegExp) =>
  [...readFileSync(path.join(root, file), 'utf8').matchAll(pattern)].map((m) =>
    (m[1] ?? m[2] ?? '').replace(/\\'/g, "'"),
  );
const props = (file: string) =>
  testNames(file, /(?:\)\(|\bit\(|\btest\()\s*\n?\s*(?:'((?:[^'\\]|\\.)+)'|"((?:[^"\\]|\\.)+)")/g).filter(
    (name) => !name.includes('$name'),
  );

/**
 * Surviving mutants read one by one and judged equivalent (no test can tell them from the original),
 * keyed by what survives a move: the file, the mutator and the replacement, not the line.
 */
const EQUIVALENT: Record<string, string> = {
  'machines/shared/token-checks.ts LogicalOperator context.tokens || context.inspection':
    'equivalent: signInOutput runs in a final state only; inspection is set only on entering authenticated and tokens are cleared in cancelled, so && and || agree on every reachable snapshot',
  'machines/device-code.ts ConditionalExpression true':
    'equivalent: `undefined > 0` is false, so the first operand of the interval check is redundant',
  'machines/shared/failure.ts ConditionalExpression true':
    'equivalent: Set.has of a non-string is false, so the typeof check is redundant',
};

function mutationSection(previous: string | undefined): string {
  const reports = ['machines', 'protocol'].map((name) => ({
    name,
    file: path.join(root, `reports/mutation/${name}.json`),
  }));
  if (!reports.every((r) => existsSync(r.file)))
    return previous ?? `${MUTATION_START}\nNot run yet: \`npm run mutate\`.\n${MUTATION_END}`;
  const lines = [
    MUTATION_START,
    '',
    '| scope | killed | timed out | survived | no coverage | static, not run | score | target |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const survivors: string[] = [];
  for (const { name, file } of reports) {
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      files: Record<
        string,
        {
          mutants: Array<{
            status: string;
            mutatorName: string;
            replacement?: string;
            location: { start: { line: number } };
          }>;
        }
      >;
    };
    const count: Record<string, number> = {};
    for (const [source, { mutants }] of Object.entries(report.files)) {
      for (const mutant of mutants) {
        count[mutant.status] = (count[mutant.status] ?? 0) + 1;
        if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
          const where = `${path.relative(root, path.resolve(root, source))}:${mutant.location.start.line}`;
          const flat = (mutant.replacement ?? '').replace(/\s+/g, ' ');
          const replacement = flat.replace(/\|/g, '\\|').slice(0, 60);
          const key = `${path.relative(root, path.resolve(root, source))} ${mutant.mutatorName} ${flat}`;
          survivors.push(
            `| ${where} | ${mutant.mutatorName} | \`${replacement}\` | ${mutant.status} | ${EQUIVALENT[key] ?? 'not judged'} |`,
          );
        }
      }
    }
    const killed = count.Killed ?? 0;
    const timeout = count.Timeout ?? 0;
    const survived = count.Survived ?? 0;
    const noCoverage = count.NoCoverage ?? 0;
    const score = (100 * (killed + timeout)) / Math.max(1, killed + timeout + survived + noCoverage);
    const target = name === 'machines' ? 95 : 90;
    lines.push(
      `| \`${name === 'machines' ? 'machines/' : 'src/protocol/'}\` | ${killed} | ${timeout} | ${survived} | ${noCoverage} | ${count.Ignored ?? 0} | **${score.toFixed(1)}%** | ${target}% |`,
    );
  }
  lines.push(
    '',
    '<details><summary>Surviving mutants</summary>',
    '',
    '| where | mutator | replacement | status | judged |',
    '|---|---|---|---|---|',
    ...survivors.sort(),
    '',
    '</details>',
    '',
    MUTATION_END,
  );
  return lines.join('\n');
}

/** The model check's results, from the last `npm run model-check` (reports/model-check.json). */
function modelSection(previous: string | undefined): string {
  const file = path.join(root, 'reports/model-check.json');
  if (!existsSync(file)) return previous ?? `${MODEL_START}\nNot run yet: \`npm run model-check\`.\n${MODEL_END}`;
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    spin: string;
    seconds: number;
    checks: Array<{
      kind: string;
      claim: string | null;
      defines: string[];
      expect: string;
      result: string;
      ok: boolean;
      states: number;
      depth: number;
    }>;
  };
  const rows = report.checks.map(
    (c) =>
      `| ${c.kind} | ${c.claim ?? '(no invalid end state)'} | ${c.defines.length ? c.defines.join(' ') : 'the code'} | ${c.expect} | ${c.result} | ${c.states.toLocaleString('en-US')} | ${c.depth} | ${c.ok ? 'ok' : 'NOT AS EXPECTED'} |`,
  );
  return [
    MODEL_START,
    '',
    `${report.checks.filter((c) => c.ok).length} of ${report.checks.length} checks as expected in ${Math.round(report.seconds)} s (${report.spin}).`,
    '',
    '| kind | property | model | expected | result | states | depth | |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    MODEL_END,
  ].join('\n');
}

function render(previousMutation: string | undefined, previousModel?: string): string {
  const rows = machinesUnderTest.map((m) => {
    const c = bothWays(m.machine, m.input as object, m.events);
    const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)}%`;
    return `| \`${m.name}\` | ${c.states.reached.length}/${c.states.all.length} (${pct(c.states.reached.length, c.states.all.length)}) | ${c.transitions.taken.length}/${c.transitions.all.length} (${pct(c.transitions.taken.length, c.transitions.all.length)}) | ${c.replayed} |`;
  });
  const list = (names: string[]) => names.map((n) => `- ${n}`).join('\n');
  return `# Verification

Generated by \`npm run verify\` (and \`npm run mutate\` for the mutation scores); \`npm test\` fails when this
file is stale. Every number here comes from a command anyone can rerun.

## 1. Paths: every state and every transition

\`xstate/graph\` explores each machine with the events the world can send it (only those feasible in a
state change anything), including \`xstate.done.actor.*\`, \`xstate.error.actor.*\` and \`xstate.after.*\`.
Each shortest path is replayed through \`transition()\` and must end where the graph says; a transition
counts as taken when \`getTransitionData\` selects it from a reachable snapshot. Source:
\`test/machines/paths.test.ts\`, \`test/helpers/graph-coverage.ts\`.

| machine | states reached | transitions taken | paths replayed |
|---|---|---|---|
${rows.join('\n')}

## 2. Invariants (property tests, \`@fast-check/vitest\`)

Stated in words; each is the name of its test. Random event sequences, replayed as a live actor would
(events after a final state are dropped).

For every machine (\`test/machines/invariants.test.ts\`, run once per machine):

${list(props('test/machines/invariants.test.ts').filter((n) => !n.includes(':')))}

For particular flows:

${list([...props('test/machines/invariants.test.ts').filter((n) => n.includes(':')), ...props('test/machines/properties.test.ts')])}

Against running actors (\`fc.commands\` + \`fc.asyncModelRun\`, every invoked effect a deferred promise,
time on a \`SimulatedClock\`), for each of the ${machinesUnderTest.length} machines:

${list(props('test/machines/live-model.test.ts'))}

## 3. Races (\`fc.scheduler\`, every interleaving the scheduler picks)

${list(props('test/machines/races.test.ts'))}

## 4. Fuzzing: up to 10,000 generated cases per parser per run

Each property stops after 8 s with the cases it ran (all of which passed), so that a loaded machine
does not turn it into a timeout; \`npm run fuzz\` runs every parser's 10,000 cases with no time limit.


${list(props('test/protocol/fuzz.test.ts'))}

## 5. Mutation testing (StrykerJS 9.6, \`npm run mutate\`)

Two runs: \`machines/\` against the machine tests, \`src/protocol/\` against the protocol tests. String
literals (messages) are not mutated. Static mutants (literals evaluated when a module loads: a machine's
configuration object) are not run, because each one costs the whole suite and together they take hours on
two cores; the machine configuration is checked instead by the path coverage above and the transition
tests. Score = (killed + timed out) / (killed + timed out + survived + no coverage). A full
\`npm run mutate\` takes about an hour on this project's 2-core machine (machines/ 14, src/protocol/ 43).
Each figure below is one whole run (no partial runs merged) over the tree of the day it ran; a file
changed since is scored as it was then (\`src/protocol/\`: before \`cdf.ts\` and \`http.ts\` left ky).

${previousMutation ?? ''}

## 6. Found from outside

The project was tried against a decoy origin, with a person's browser on the loopback page, with stray
requests, 10,000 callers, several CLI processes, IdPs that answer badly, and the emulator's profiles as
strict as Entra ID and Auth0. Each defect found has a
regression test that failed before its fix:

| defect | regression test |
|---|---|
| a credentialed CDF call followed a 3xx to another origin (the \`api-key\` went along; the answer was believed) | \`test/protocol/redirects.test.ts\`: "no credentialed CDF request follows a redirect" (301, 302, 303, 307, 308 × API key and Bearer × every endpoint) |
| a plain \`http://\` CDF base URL off loopback was accepted | \`test/protocol/redirects.test.ts\`: "plain http CDF base URLs" |
| IdP error text echoing a refresh token, client secret, code, verifier or device code reached messages and causes | \`test/protocol/idp-answers.test.ts\`: "IdP error text is scrubbed of every secret the flow holds" |
| a value passed where a variable name goes was echoed | \`test/e2e/cli-variable-flags-never-echo.e2e.test.ts\`: "a value given where a variable name is expected is never echoed" |
| an ID token from the future was accepted; missing claims came out as \`invalidResponse\` | \`test/protocol/idp-answers.test.ts\`: "ID-token claims"; \`test/e2e/oidc-negative.e2e.test.ts\`: "rejects an ID token with …" |
| the loopback page was reset before the browser got it | \`test/e2e/loopback-browser.e2e.test.ts\`: "the browser always gets a complete page for the real callback" |
| the first request to the callback path ended the sign-in | \`test/e2e/loopback-browser.e2e.test.ts\`: "stray requests do not end the sign-in"; \`test/drivers/loopback.test.ts\` |
| the login-URL redirect could not carry the app's query and fragment | \`test/e2e/loopback-browser.e2e.test.ts\`: "the legacy redirect URL carries the app’s own query and fragment" |
| 10,000 concurrent \`getToken()\` starved the refresh (0 refreshes, 10,000 timeouts) | \`test/session/get-token.test.ts\` |
| CLI processes sharing the cache reused a rotated refresh token and deleted the login | \`test/e2e/cli-processes-share-token-cache.e2e.test.ts\`: "processes sharing the token cache" |
| \`cdf-auth token\` ignored Ctrl-C during a refresh | \`test/e2e/cli-signals-reach-every-wait.e2e.test.ts\`: "Ctrl-C and SIGTERM reach every wait" |
| IdP bodies were read whole (200 MB accepted) | \`test/protocol/idp-answers.test.ts\`: "IdP bodies are capped" |
| IdP 429/503 were not retried; 5xx/HTML/resets were misclassified | \`test/protocol/idp-answers.test.ts\`: "IdP 429 and 503 are retried …"; \`test/e2e/fault-matrix.e2e.test.ts\` |
| (the fault matrix: every flow × every fault, ending typed, the process exiting by itself) | \`test/e2e/fault-matrix.e2e.test.ts\` (16 IdP cases failed before the fixes) |
| a symlinked cache file was written through; modes were not enforced; a corrupt entry could not be removed; a folder in place of the file lost the fresh tokens | \`test/e2e/cli-token-cache-on-disk.e2e.test.ts\`: "the token cache on disk" |
| \`token --base-url X\` printed another cluster's token | \`test/e2e/cli-base-url-selects.e2e.test.ts\`: "--base-url always selects" |
| \`--timeout\` only for one flow; \`--json\` failures not JSON; 401 and unknown project exit 4; \`login\` without \`--flow\` | \`test/e2e/cli-timeout-json-exit-codes.e2e.test.ts\`: "--timeout, --json and exit codes" |
| against Entra ID's real metadata (no \`code_challenge_methods_supported\`) every code + PKCE sign-in was refused as \`insecureEndpoint\`; a multi-tenant authority (\`common\`, \`organizations\`) was an \`issuerMismatch\`; \`authorization_declined\` was not a denial | \`test/protocol/entra-metadata.test.ts\` (8 of 10 failed before); \`test/e2e/idp-profiles.e2e.test.ts\` against the strict \`entra\` profile |
| without a scope, Entra issued a Microsoft Graph token and CDF's 401 gave no hint | \`test/e2e/idp-profiles.e2e.test.ts\`: "without the cluster scope …"; \`test/e2e/cli-entra.e2e.test.ts\`: "the wrong scope fails as at Entra" |
| OIDC logout only deleted the file: a copied refresh token kept working | \`test/e2e/logout.e2e.test.ts\`; \`test/session/cdf-session.test.ts\` (OIDC logout) |
| reading oauth4webapi's namespace object dynamically stopped tree-shaking (code-flow bundle 138 → 166 KiB) | the budgets of \`npm run size\` (in \`npm test\`) |
| \`CdfClient.request\` threw synchronously for a URL in place of a path | \`test/protocol/request-and-revocation.test.ts\`: "refuses …" |
| the model check: a holder whose lease ran out before its grant, with a successor that failed at the IdP, had its write refused by the fence while its version was current: the store kept a rotated-out refresh token | \`test/session/renew-once.test.ts\`: "a stalled holder whose successor fails at the IdP still stores what it renewed …" |
| the emulator's IdP forgot authorization codes under load (oidc-provider's default LRU of 1,000 entries): sign-ins 174..1000 failed | \`test/server/fleet.test.ts\`: "completes 1,000 of 1,000 sign-ins …" |
| a flow snapshot taken after \`stop()\` restored as stopped: the server's code exchange never ran | \`test/server/server-auth.test.ts\`: "a sign-in through …" |
| a \`getToken(req)\` caller that gave up cancelled the renewal every other caller waited on | \`test/server/server-auth.test.ts\`: "lets a caller of getToken give up …" |
| a server session whose refresh token the IdP refused was renewed again on every request | \`test/server/server-auth.test.ts\`: "ends on every request path at once …" |
| Cognite IdP's 403 for an organization's projects came out as \`http\`, calling it CDF | \`test/protocol/cognite-idp.test.ts\`: "a 403 is accessDenied too …" |

## 7. The refresh protocol, model-checked (spin, \`npm run model-check\`)

\`renewOnce\` with its locks (a tab's, the processes', the instances') as a Promela model
(\`model/renew-once.pml\`), checked exhaustively by spin: 3 clients, crashes, lock expiry, token expiry, a
slow store. What each part of the model stands for in the code, each property in words, the mutants and
the known limits: [refresh-protocol.md](refresh-protocol.md). A property \`holds\` on the code's model; a
mutant, the previous code (a store that refused writes by their fence) or a known limit is expected to be
\`violated\` (spin finds the counterexample), and a witness shows that a case the properties are about
does happen. From the last
\`npm run model-check\`:

${previousModel ?? ''}

## 8. Determinism

Every property test prints its seed and path on failure; \`FC_SEED=<seed> npx vitest run <file>\` replays
it. Every timer runs on XState's \`SimulatedClock\` in machine tests. In CI each property runs 200 cases
(\`FC_NUM_RUNS\` overrides), the fuzzers 10,000; each property is bounded by 8 s (\`FC_TIME_LIMIT_MS\`).
`;
}

it('docs/verification.md is current (npm run verify rewrites it)', () => {
  const current = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  const start = current.indexOf(MUTATION_START);
  const end = current.indexOf(MUTATION_END);
  const previous = start >= 0 && end > start ? current.slice(start, end + MUTATION_END.length) : undefined;
  const modelFrom = current.indexOf(MODEL_START);
  const modelTo = current.indexOf(MODEL_END);
  const previousModel =
    modelFrom >= 0 && modelTo > modelFrom ? current.slice(modelFrom, modelTo + MODEL_END.length) : undefined;
  const update = process.env.UPDATE_VERIFICATION === '1';
  const next = render(
    update ? mutationSection(previous) : (previous ?? mutationSection(undefined)),
    update ? modelSection(previousModel) : (previousModel ?? modelSection(undefined)),
  );
  if (update) writeFileSync(docPath, next);
  else expect(current, 'docs/verification.md is stale: run `npm run verify` and commit it').toBe(next);
});
