/**
 * The browser driver: the login-URL flow and code + PKCE by full-page redirect. The pending flow is
 * persisted in `sessionStorage` as a versioned snapshot while the browser is away (only in the
 * `persistable` state `awaitingCallback`), and resumed when the callback page loads. The address bar is
 * cleaned with `history.replaceState` before any other call. Nothing touches `window` at import or
 * construction time, so this module is safe to import during server-side rendering.
 */
import * as oauth from 'oauth4webapi';
import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  createActor,
  fromPromise,
  type InspectionEvent,
} from 'xstate';
import {
  type AuthorizationCallback,
  authorizationCodeMachine,
  type ExchangeCodeInput,
  type NavigateToIdpInput,
  type OidcSignIn,
} from '../../machines/authorization-code.js';
import type { Failure } from '../../machines/failure.js';
import {
  type FetchLoginUrlInput,
  type LegacyTokens,
  type LegacyValidation,
  type LoginUrlSession,
  loginUrlMachine,
} from '../../machines/login-url.js';
import type { IdClaims, IdpMetadata, Inspection, TokenSet } from '../../machines/tokens.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import { LOGIN_CALLBACK_PARAMS, parseLoginCallback, stripLoginCallback, withFlowId } from '../protocol/callback.js';
import { createCdfClient } from '../protocol/cdf.js';
import { validateLegacyTokens } from '../protocol/legacy.js';
import { createOidcClient } from '../protocol/oidc.js';

/** The one small set of states a UI renders from. */
export type UiState = 'anonymous' | 'authenticating' | 'authenticated' | 'refreshing' | 'reauthRequired' | 'failed';

/** The storage the pending flow lives in while the browser is at the IdP. */
export type FlowStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

interface Common {
  /** The CDF cluster. */
  readonly baseUrl: string;
  readonly project: string;
  /** The page that handles the callback (absolute URL, registered with the IdP for the code flow). */
  readonly redirectUri: string;
  /** @default window.sessionStorage (looked up when first needed) */
  readonly storage?: FlowStorage;
  /** How to send the page away. @default (url) => window.location.assign(url) */
  readonly navigate?: (url: string) => void;
  /** Sent as `x-cdp-app`. */
  readonly appId?: string;
  /**
   * Receives XState's inspection events of the flow's actor, for a live diagram or a log. They carry
   * tokens and codes: pass them through `redact()` before showing or storing them.
   */
  readonly inspect?: (event: InspectionEvent) => void;
}

/** Options of {@link createBrowserLogin}. */
export type BrowserLoginOptions =
  | (Common & { readonly flow: 'login-url' })
  | (Common & {
      readonly flow: 'code';
      readonly issuer: string;
      readonly clientId: string;
      /** @default 'openid profile offline_access' */
      readonly scope?: string;
    });

/** What {@link BrowserLogin.handleRedirect} found on page load. */
export type RedirectOutcome =
  | { readonly status: 'none' }
  | { readonly status: 'authenticated'; readonly accessToken: string; readonly expiresAt: number | null }
  | { readonly status: 'failed'; readonly failure: Failure }
  /** Callback parameters with no pending flow: a reload, the Back button, a second tab. Nothing was sent anywhere. */
  | { readonly status: 'staleCallback' };

/** A browser sign-in. */
export interface BrowserLogin {
  /** Starts the flow and sends the page to the IdP. Call it from a click handler. */
  signIn(): Promise<void>;
  /**
   * Call once on every page load. Cleans the callback parameters from the address bar, resumes the
   * pending flow if there is one, and says what happened. Safe to call twice (React StrictMode).
   */
  handleRedirect(): Promise<RedirectOutcome>;
  /** The UI state now. */
  readonly state: () => UiState;
  /** Calls `listener` with every change of {@link UiState}; returns the unsubscribe function. */
  subscribe(listener: (state: UiState) => void): () => void;
  /** The access token of the signed-in session (in memory only), or `null`. */
  readonly accessToken: () => string | null;
  /** Forgets the session and any pending flow. */
  logout(): void;
}

/** The sessionStorage key of the pending flow. */
export const PENDING_FLOW_KEY = 'cdf-authflow:pending';
const VERSION = 1;
const redirectsHandled = new Map<string, Promise<RedirectOutcome>>();

/**
 * Creates a {@link BrowserLogin} for the login-URL flow or code + PKCE.
 *
 * @example
 * ```ts
 * const login = createBrowserLogin({ flow: 'code', issuer, clientId, baseUrl, project, redirectUri: location.origin + '/callback' });
 * await login.handleRedirect();
 * button.onclick = () => login.signIn();
 * ```
 */
export function createBrowserLogin(options: BrowserLoginOptions): BrowserLogin {
  const storage = () => options.storage ?? window.sessionStorage;
  const navigate = (url: string) => (options.navigate ?? ((target: string) => window.location.assign(target)))(url);
  const cdf = createCdfClient({ baseUrl: options.baseUrl, ...(options.appId ? { appId: options.appId } : {}) });
  const idp =
    options.flow === 'code' ? createOidcClient({ issuer: options.issuer, clientId: options.clientId }) : undefined;
  const listeners = new Set<(state: UiState) => void>();
  let ui: UiState = 'anonymous';
  let token: { accessToken: string; expiresAt: number | null } | null = null;
  const setUi = (next: UiState) => {
    if (next === ui) return;
    ui = next;
    for (const listener of listeners) listener(next);
  };

  const machine = () => {
    if (options.flow === 'login-url') {
      return loginUrlMachine.provide({
        actors: {
          fetchLoginUrl: fromPromise<string | null, FetchLoginUrlInput>(({ input, signal }) =>
            cdf.getLoginUrl(
              { project: input.project, redirectUrl: withFlowId(input.redirectUrl, input.flowId) },
              { signal },
            ),
          ),
          // Resolves at once: the page leaves only after the pending flow was persisted.
          navigateToIdp: fromPromise<void, { readonly url: string }>(async ({ input }) => {
            setTimeout(() => navigate(input.url), 0);
          }),
          validateToken: fromPromise<LegacyValidation, LegacyTokens>(({ input, signal }) =>
            validateLegacyTokens(cdf, input, signal),
          ),
        },
        delays: { callbackTimeout: ({ context }) => Math.max(0, (context.callbackDeadline ?? 0) - Date.now()) },
      });
    }
    const oidc = idp as NonNullable<typeof idp>;
    return authorizationCodeMachine.provide({
      actors: {
        discover: fromPromise<IdpMetadata, { readonly issuer: string }>(({ signal }) => oidc.discover(signal)),
        navigateToIdp: fromPromise<void, NavigateToIdpInput>(async ({ input }) => {
          const url = await oidc.authorizationUrl({
            redirectUri: input.redirectUri,
            scope: input.scope,
            state: input.attempt.state,
            nonce: input.attempt.nonce,
            codeVerifier: input.attempt.codeVerifier,
          });
          setTimeout(() => navigate(url), 0);
        }),
        exchangeCode: fromPromise<TokenSet, ExchangeCodeInput>(({ input, signal }) =>
          oidc.exchangeCode(
            {
              callbackUrl: input.callbackUrl,
              redirectUri: input.redirectUri,
              state: input.attempt.state,
              codeVerifier: input.attempt.codeVerifier,
              nonce: input.attempt.nonce,
            },
            signal,
          ),
        ),
        validateIdToken: fromPromise<IdClaims, { readonly idToken: string; readonly nonce: string }>(({ input }) =>
          oidc.validateIdToken(input.idToken, { nonce: input.nonce }),
        ),
        inspectToken: fromPromise<Inspection, { readonly accessToken: string }>(async ({ input, signal }) => {
          const inspection = await cdf.inspectToken(input.accessToken, { signal });
          return { subject: inspection.subject, projects: inspection.projects.map((p) => p.projectUrlName) };
        }),
      },
      delays: { callbackTimeout: ({ context }) => Math.max(0, (context.callbackDeadline ?? 0) - Date.now()) },
    });
  };

  const uiOf = (snapshot: AnyMachineSnapshot): UiState => {
    if (snapshot.matches('authenticated')) return 'authenticated';
    if (snapshot.matches('failed')) return 'failed';
    if (snapshot.status !== 'active' || snapshot.matches('idle')) return 'anonymous';
    return 'authenticating';
  };

  /**
   * Runs an actor until it rests; persists it while it waits for the callback (unless it is the resumed
   * one, which is about to receive the callback); forgets it after.
   */
  const drive = (actor: AnyActorRef, resuming = false) =>
    new Promise<AnyMachineSnapshot>((resolve) => {
      const subscription = actor.subscribe((snapshot: AnyMachineSnapshot) => {
        setUi(uiOf(snapshot));
        if (snapshot.hasTag('persistable')) {
          if (resuming) return;
          storage().setItem(
            PENDING_FLOW_KEY,
            JSON.stringify({ v: VERSION, machine: options.flow, snapshot: actor.getPersistedSnapshot() }),
          );
          resolve(snapshot);
        } else if (snapshot.status !== 'active' || snapshot.matches('failed')) {
          storage().removeItem(PENDING_FLOW_KEY);
          subscription.unsubscribe();
          resolve(snapshot);
        }
      });
    });

  const finish = (snapshot: AnyMachineSnapshot): RedirectOutcome => {
    if (snapshot.matches('authenticated')) {
      const output = snapshot.output as { session?: LoginUrlSession; signIn?: OidcSignIn };
      token = output.session
        ? { accessToken: output.session.accessToken, expiresAt: output.session.expiresAt }
        : { accessToken: output.signIn?.tokens.accessToken ?? '', expiresAt: output.signIn?.tokens.expiresAt ?? null };
      return { status: 'authenticated', ...token };
    }
    const failure = (snapshot.context as { failure?: Failure | null }).failure;
    return { status: 'failed', failure: failure ?? { code: 'cancelled', message: 'The sign-in was cancelled.' } };
  };

  const handle = async (): Promise<RedirectOutcome> => {
    const href = window.location.href;
    const params = new URL(href).searchParams;
    const isLegacy = options.flow === 'login-url';
    const hasCallback = isLegacy
      ? LOGIN_CALLBACK_PARAMS.some((name) => params.has(name))
      : params.has('code') || params.has('error') || params.has('state');
    if (!hasCallback) return { status: 'none' };
    const raw = storage().getItem(PENDING_FLOW_KEY);
    let pending: { v?: unknown; machine?: unknown; snapshot?: unknown } | undefined;
    try {
      pending = raw ? JSON.parse(raw) : undefined;
    } catch {
      pending = undefined;
    }
    // A pending flow of the other kind (a page that embeds both) is left for its own handler.
    if (
      pending &&
      pending.machine !== options.flow &&
      (pending.machine === 'login-url' || pending.machine === 'code')
    ) {
      return { status: 'none' };
    }
    // Tokens and codes leave the address bar (and the history entry) before anything else happens.
    window.history.replaceState(window.history.state, '', isLegacy ? stripLoginCallback(href) : stripOidc(href));
    storage().removeItem(PENDING_FLOW_KEY);
    if (!pending || pending.v !== VERSION || typeof pending.snapshot !== 'object' || pending.snapshot === null) {
      return { status: 'staleCallback' };
    }
    const actor: AnyActorRef = createActor(machine() as AnyStateMachine, {
      snapshot: pending.snapshot as never,
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    const done = drive(actor, true);
    actor.start();
    actor.send({ type: 'RESUME', now: Date.now() });
    actor.send({
      type: 'CALLBACK',
      callback: isLegacy ? parseLoginCallback(href) : oidcCallback(href),
    });
    const snapshot = await done;
    actor.stop();
    return finish(snapshot);
  };

  return {
    async signIn() {
      storage().removeItem(PENDING_FLOW_KEY);
      const actor: AnyActorRef = createActor(machine() as AnyStateMachine, {
        ...(options.inspect ? { inspect: options.inspect } : {}),
        input:
          options.flow === 'login-url'
            ? { project: options.project, redirectUrl: options.redirectUri }
            : {
                issuer: options.issuer,
                clientId: options.clientId,
                redirectUri: options.redirectUri,
                scope: options.scope ?? 'openid profile offline_access',
                project: options.project,
              },
      });
      const done = drive(actor);
      actor.start();
      actor.send(
        options.flow === 'login-url'
          ? { type: 'START', flowId: oauth.generateRandomState(), now: Date.now() }
          : {
              type: 'START',
              attempt: {
                state: oauth.generateRandomState(),
                nonce: oauth.generateRandomNonce(),
                codeVerifier: oauth.generateRandomCodeVerifier(),
              },
              now: Date.now(),
            },
      );
      const snapshot = await done;
      if (!snapshot.hasTag('persistable')) {
        actor.stop();
        const outcome = finish(snapshot);
        if (outcome.status === 'failed') throw new AuthFlowError(outcome.failure);
      }
    },
    handleRedirect() {
      // One answer per page load and flow, however often it is asked (double mounts, two instances).
      const key = `${options.flow}:${window.performance.timeOrigin}`;
      const existing = redirectsHandled.get(key);
      if (existing)
        return existing.then((outcome) => (outcome.status === 'authenticated' ? (adopt(outcome), outcome) : outcome));
      const outcome = handle();
      redirectsHandled.set(key, outcome);
      return outcome;
    },
    state: () => ui,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    accessToken: () => token?.accessToken ?? null,
    logout() {
      token = null;
      storage().removeItem(PENDING_FLOW_KEY);
      setUi('anonymous');
    },
  };

  function adopt(outcome: Extract<RedirectOutcome, { status: 'authenticated' }>) {
    token = { accessToken: outcome.accessToken, expiresAt: outcome.expiresAt };
    setUi('authenticated');
  }
}

const OIDC_CALLBACK_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

function stripOidc(href: string): string {
  const url = new URL(href);
  for (const name of OIDC_CALLBACK_PARAMS) url.searchParams.delete(name);
  return url.toString();
}

function oidcCallback(href: string): AuthorizationCallback {
  const url = new URL(href);
  const params: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (name in params) return { kind: 'invalid', reason: `repeated parameter ${name.slice(0, 32)}` };
    params[name] = value;
  }
  return { kind: 'response', params, url: href };
}

/**
 * API keys do not belong in a browser: any script on the page can read them, and they cannot be
 * scoped to a person. This throws unless the caller passes the loudly named opt-in.
 */
export function assertApiKeyAllowedInBrowser(options: { readonly dangerouslyAllowApiKeyInBrowser?: boolean }): void {
  if (options.dangerouslyAllowApiKeyInBrowser !== true) {
    throw new AuthFlowError({
      code: 'insecureEndpoint',
      message:
        'API keys are refused in the browser: use code + PKCE. If you must (a single-user kiosk), pass dangerouslyAllowApiKeyInBrowser: true.',
    });
  }
}
