/**
 * Code + PKCE run server-side, in two requests that may land on two instances: `begin` runs the
 * authorization-code machine to `awaitingCallback` and keeps its snapshot (state, nonce and verifier,
 * sealed by a shared store) under the attempt's `state`; `complete` takes that snapshot once, atomically,
 * restores the machine and runs it to its end. The machine is the one every driver runs.
 */
import { createHash } from 'node:crypto';
import { type InspectionEvent, toPromise, waitFor } from 'xstate';
import type { AuthorizationCodeOutput } from '../../../machines/authorization-code.js';
import type { Failure } from '../../../machines/shared/failure.js';
import type { OidcSignIn } from '../../../machines/shared/tokens.js';
import type { ResolvedIdp } from '../../config/resolve-idp.js';
import { authorizationCodeFlow, freshAttempt } from '../../flows/authorization-code.js';
import { createFlowActor } from '../../flows/flow.js';
import { parseAuthorizationCallback } from '../../protocol/callback/authorization.js';
import type { CdfClient } from '../../protocol/cdf.js';
import type { OidcClient } from '../../protocol/oidc.js';
import type { ExpiringStore } from '../../stores/expiring-store.js';

/** What the sign-in of a server needs. */
export interface ServerSignInContext {
  readonly oidc: OidcClient;
  readonly cdf: CdfClient;
  readonly idp: ResolvedIdp;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly project: string;
  readonly pending: ExpiringStore;
  readonly callbackTimeoutMs: number;
  readonly now: () => number;
  /** Every sign-in actor's inspection events, already redacted. */
  readonly inspect: ((event: InspectionEvent) => void) | undefined;
}

/** A started sign-in: where to send the browser, and the binding its cookie carries. */
export interface BegunSignIn {
  readonly authorizationUrl: string;
}

/** How a sign-in ended on the callback. */
export type CompletedSignIn =
  | { readonly status: 'signedIn'; readonly signIn: OidcSignIn; readonly returnTo: string }
  | { readonly status: 'failed'; readonly failure: Failure; readonly returnTo: string | null };

/** What the pending store keeps under a `state`. Secret (the snapshot holds the PKCE verifier). */
interface PendingSignIn {
  readonly v: 1;
  readonly snapshot: object;
  readonly returnTo: string;
  /** A hash of the binding cookie's value: the callback must come from the browser that began. */
  readonly binding: string;
}

/** Begins a sign-in: the machine up to `awaitingCallback`, its snapshot kept under its `state`. */
export async function beginSignIn(
  context: ServerSignInContext,
  returnTo: string,
  binding: string,
): Promise<BegunSignIn | { readonly failure: Failure }> {
  let authorizationUrl: string | null = null;
  const actor = createFlowActor(
    flowOf(context, async (url) => {
      authorizationUrl = url;
    }),
    { input: inputOf(context), ...inspecting(context) },
  );
  actor.start();
  const attempt = freshAttempt();
  actor.send({ type: 'START', attempt, now: context.now() });
  const snapshot = await waitFor(actor, (s) => s.hasTag('persistable') || s.status === 'done', {
    timeout: context.callbackTimeoutMs,
  }).catch(() => actor.getSnapshot());
  // Taken while the actor runs: the snapshot of a stopped actor restores as stopped.
  const persisted = actor.getPersistedSnapshot() as object;
  actor.stop();
  if (snapshot.status === 'done') {
    const output = snapshot.output as AuthorizationCodeOutput;
    return { failure: output.status === 'failed' ? output.failure : cancelledFailure };
  }
  if (!snapshot.hasTag('persistable') || authorizationUrl === null) return { failure: cancelledFailure };
  const pending: PendingSignIn = {
    v: 1,
    snapshot: persisted,
    returnTo,
    binding: bindingHash(binding),
  };
  await context.pending.put(attempt.state, JSON.stringify(pending), context.callbackTimeoutMs);
  return { authorizationUrl };
}

/**
 * Completes the sign-in the callback at `callbackUrl` belongs to. The pending sign-in is taken before
 * anything else (of two deliveries of one callback, one finds it), and no code is redeemed for a callback
 * whose `state` is unknown or used, or that comes from another browser than the one that began.
 */
export async function completeSignIn(
  context: ServerSignInContext,
  callbackUrl: string,
  binding: string | null,
): Promise<CompletedSignIn> {
  const state = stateOf(callbackUrl);
  if (state === null) return failed('callbackInvalid', 'The callback carries no state; start the sign-in again.');
  const pending = readPending(await context.pending.take(state));
  if (!pending) {
    return failed(
      'stateMismatch',
      'No sign-in is waiting for this callback: it was already used, it expired, or it was not started on this site. Start the sign-in again.',
    );
  }
  if (binding === null || bindingHash(binding) !== pending.binding) {
    return failed(
      'stateMismatch',
      'This callback belongs to a sign-in started in another browser (or its cookie was lost); start the sign-in again here.',
      pending.returnTo,
    );
  }
  const actor = createFlowActor(
    flowOf(context, async () => {}),
    { snapshot: pending.snapshot as never, input: inputOf(context), ...inspecting(context) },
  );
  const done = toPromise(actor);
  actor.start();
  actor.send({ type: 'RESUME', now: context.now() });
  actor.send({ type: 'CALLBACK', callback: parseAuthorizationCallback(callbackUrl) });
  const output = (await done) as AuthorizationCodeOutput;
  if (output.status === 'signedIn')
    return { status: 'signedIn', signIn: output.credential, returnTo: pending.returnTo };
  return {
    status: 'failed',
    failure: output.status === 'failed' ? output.failure : cancelledFailure,
    returnTo: pending.returnTo,
  };
}

const inspecting = (context: ServerSignInContext) => (context.inspect ? { inspect: context.inspect } : {});

function flowOf(context: ServerSignInContext, navigate: (url: string) => Promise<void>) {
  return authorizationCodeFlow({
    oidc: context.oidc,
    cdf: context.cdf,
    navigate,
    authorizationParams: context.idp.authorizationParams,
  });
}

function inputOf(context: ServerSignInContext) {
  return {
    issuer: context.idp.issuer,
    clientId: context.clientId,
    redirectUri: context.redirectUri,
    scope: context.idp.scope,
    project: context.project,
    timeouts: { callbackMs: context.callbackTimeoutMs },
  };
}

/** The callback's `state`, read without judging the rest (the machine judges it). */
function stateOf(callbackUrl: string): string | null {
  try {
    const states = new URL(callbackUrl).searchParams.getAll('state');
    return states.length === 1 && states[0] ? states[0] : null;
  } catch {
    return null;
  }
}

function readPending(raw: string | null): PendingSignIn | null {
  if (raw === null) return null;
  try {
    const record = JSON.parse(raw) as Partial<PendingSignIn>;
    if (record.v !== 1 || typeof record.snapshot !== 'object' || record.snapshot === null) return null;
    if (typeof record.returnTo !== 'string' || typeof record.binding !== 'string') return null;
    return record as PendingSignIn;
  } catch {
    return null;
  }
}

const bindingHash = (binding: string) => createHash('sha256').update(`binding:${binding}`).digest('base64url');

const cancelledFailure: Failure = { code: 'cancelled', message: 'The sign-in was cancelled; start it again.' };

const failed = (code: Failure['code'], message: string, returnTo: string | null = null): CompletedSignIn => ({
  status: 'failed',
  failure: { code, message },
  returnTo,
});
