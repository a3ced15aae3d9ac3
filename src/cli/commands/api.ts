/**
 * `cdf-auth api PATH`, like `gh api`: one authenticated request to the cluster of the cached login, JSON
 * out. `-X METHOD`, `-f key=value` (query parameters for GET, a JSON object body otherwise), `--input FILE`
 * (a JSON body; `-` reads stdin). `{project}` in the path is the login's project. An OIDC token CDF
 * refuses with 401 is refreshed once and the request retried; exit codes are those of every command.
 */
import { readFile } from 'node:fs/promises';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createCdfClient } from '../../protocol/cdf.js';
import { cached, credentialsOf, freshOidcToken } from '../cached-login.js';
import { type CommandContext, pairsOf, text } from '../context.js';
import { UsageError } from '../exit-codes.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/**
 * CDF paths that answer only GET (docs/cdf-api.md): `-f` on them is a query parameter even without `-X GET`,
 * where gh's rule (fields make a POST) would send a request CDF can only refuse.
 */
const GET_ONLY = /^\/(api\/v1\/token\/inspect|login\/status|api\/v1\/projects\/[^/?]+)\/?$/;

/** `-f key=value`, repeatable. */
const fieldsOf = (ctx: CommandContext) => pairsOf(ctx, 'field', '-f');

/** The JSON body of `--input FILE` (`-` for stdin). */
async function inputOf(ctx: CommandContext): Promise<unknown> {
  const file = text(ctx, 'input');
  if (file === undefined) return undefined;
  let content: string;
  try {
    content = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`--input ${file} cannot be read.`);
  }
  try {
    return JSON.parse(content);
  } catch {
    throw new UsageError(`--input ${file} is not JSON.`);
  }
}

async function readStdin(): Promise<string> {
  let content = '';
  for await (const chunk of process.stdin) content += chunk;
  return content;
}

/** The request the flags describe. */
async function requestOf(ctx: CommandContext, project: string) {
  const given = ctx.positionals[0];
  // `api/v1/...` is the same path as `/api/v1/...` (gh api takes both); a URL or `//host` is not a path.
  const raw = given && !given.startsWith('/') && !/^[a-z][a-z0-9+.-]*:/i.test(given) ? `/${given}` : given;
  if (!raw?.startsWith('/') || raw.startsWith('//')) {
    throw new UsageError('Name the path, e.g. cdf-auth api /api/v1/projects/{project}/assets');
  }
  if (raw.includes('{project}') && !project) throw new UsageError('The cached login names no project for {project}.');
  const path = raw.replaceAll('{project}', encodeURIComponent(project));
  const fields = fieldsOf(ctx);
  const input = await inputOf(ctx);
  const hasBody =
    input !== undefined ||
    (Object.keys(fields).length > 0 && text(ctx, 'method')?.toUpperCase() !== 'GET' && !GET_ONLY.test(path));
  const method = (text(ctx, 'method')?.toUpperCase() ?? (hasBody ? 'POST' : 'GET')) as Method;
  if (!METHODS.includes(method)) throw new UsageError(`-X is ${METHODS.join(', ')}.`);
  if (method === 'GET' && input !== undefined) throw new UsageError('A GET has no body: drop --input or pass -X POST.');
  const init = method === 'GET' ? { searchParams: fields } : { json: input ?? fields };
  return { method, path, init };
}

/** The URL a request goes to, its query parameters included, as `--verbose` prints it. */
function requestLine(baseUrl: string, path: string, init: { readonly searchParams?: Record<string, string> }): string {
  const url = new URL(path.replace(/^\/+/, ''), `${baseUrl.replace(/\/+$/, '')}/`);
  for (const [key, value] of Object.entries(init.searchParams ?? {})) url.searchParams.set(key, value);
  return url.href;
}

/** `cdf-auth api PATH`: see the module comment. */
export async function api(ctx: CommandContext): Promise<void> {
  const { entry, store } = await cached(ctx);
  const { method, path, init } = await requestOf(ctx, entry.project);
  const cdf = createCdfClient({ baseUrl: entry.baseUrl });
  const credentials = async (rejected?: string) =>
    entry.kind === 'oidc'
      ? { accessToken: await freshOidcToken(ctx, store, entry, rejected) }
      : credentialsOf(ctx, entry);
  const send = async (credential: Awaited<ReturnType<typeof credentials>>) => {
    // --verbose: the request line and the status on stderr (curl -v, gh api --verbose), never a header.
    if (ctx.flags.verbose) ctx.err(`> ${method} ${requestLine(entry.baseUrl, path, init)}\n`);
    const answer = await cdf.request(method, path, credential, init, { signal: ctx.signal });
    if (ctx.flags.verbose)
      ctx.err(`< HTTP ${answer.status}${answer.requestId ? ` x-request-id ${answer.requestId}` : ''}\n`);
    return answer;
  };
  const first = await credentials();
  let answer = await send(first);
  if (answer.status === 401 && entry.kind === 'oidc' && 'accessToken' in first && first.accessToken) {
    // One refresh and one retry: a token revoked or rotated elsewhere gets one more chance, never a loop.
    answer = await send(await credentials(first.accessToken));
  }
  if (answer.status === 401) {
    throw new AuthFlowError({
      code: 'tokenRejected',
      message: `CDF ${method} ${path.split('?')[0]} answered 401: it does not accept the cached login; run "cdf-auth login".`,
      status: 401,
      ...(answer.requestId ? { requestId: answer.requestId } : {}),
    });
  }
  ctx.out(`${JSON.stringify(answer.body ?? null, null, 2)}\n`);
}
