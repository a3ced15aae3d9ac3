/** The server driver's public shapes and the context its routes share. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CookiePolicy } from './cookies.js';
import type { serverSessions } from './sessions.js';
import type { ServerSignInContext } from './sign-in.js';

/** A request handler in `node:http`'s shape; `next` (Express) is called for a path that is not ours. */
export type ServerHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => Promise<void>;

/** What a browser may learn of its session (`GET {basePath}/session`): never a token. */
export type SessionInfo =
  | {
      /** No live session: never signed in, signed out, or past the idle or absolute lifetime. */
      readonly status: 'anonymous';
    }
  | {
      /** A live session. */
      readonly status: 'signedIn';
      /** Who signed in, as the ID token named them. */
      readonly user: {
        /** The IdP's subject (`sub`). */
        readonly subject: string;
        /** The display name, where the IdP sent one. */
        readonly name: string | null;
        /** The email address, where the IdP sent one. */
        readonly email: string | null;
      };
      /** The CDF project. */
      readonly project: string;
      /** When the current access token expires, ms since epoch (it renews on its own). */
      readonly expiresAt: number | null;
      /** When the session ends whatever happens, ms since epoch. */
      readonly sessionEndsAt: number;
      /** Send it as `x-csrf-token` (or the form field `csrf`) with `POST {basePath}/logout`. */
      readonly csrfToken: string;
    };

/** What {@link createServerAuth} returns. */
export interface ServerAuth {
  /** Every route at once: `app.use(auth.handle)` (Express), `http.createServer(auth.handle)`. */
  readonly handle: ServerHandler;
  /** `GET {basePath}/login?returnTo=/path`: starts a sign-in and redirects to the IdP. */
  readonly login: ServerHandler;
  /** `GET {basePath}/callback`: completes it, sets the session cookie, redirects to `returnTo`. */
  readonly callback: ServerHandler;
  /** `POST {basePath}/logout` (CSRF-protected): ends the session everywhere, revokes at the IdP. */
  readonly logout: ServerHandler;
  /** `GET {basePath}/session`: {@link SessionInfo} as JSON. */
  readonly session: ServerHandler;
  /** A valid access token for the request's session, for server-side CDF calls; `notLoggedIn` without one. */
  readonly getToken: (req: IncomingMessage, options?: { readonly signal?: AbortSignal }) => Promise<string>;
  /** The request's {@link SessionInfo}. */
  readonly sessionInfo: (req: IncomingMessage) => Promise<SessionInfo>;
}

/** What the routes share: the resolved options, the sign-in context, the sessions. */
export interface ServerContext {
  readonly origin: URL;
  readonly basePath: string;
  readonly cookies: CookiePolicy;
  readonly policy: { readonly idleMs: number; readonly absoluteMs: number; readonly callbackTimeoutMs: number };
  readonly signIn: ServerSignInContext;
  readonly sessions: ReturnType<typeof serverSessions>;
  readonly proxy: {
    readonly proxyPath: string;
    readonly baseUrl: string;
    readonly fetch: typeof fetch;
    readonly timeoutMs: number;
  } | null;
  readonly newBinding: () => string;
}
