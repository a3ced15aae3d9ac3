import type { Page } from 'playwright-core';

/** A running Glewlwyd with what the tests sign in with (see glewlwyd.mjs). */
export interface GlewlwydOp {
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly baseUrl: string;
  readonly loginUrl: string;
  readonly publicClientId: string;
  readonly confidentialClientId: string;
  readonly clientSecret: string;
  readonly username: string;
  readonly password: string;
  /** The 127.0.0.1 one. */
  readonly redirectUri: string;
  /** `http://localhost:{port}/callback` and `http://127.0.0.1:{port}/callback`, compared exactly. */
  readonly redirectUris: readonly string[];
  readonly callbackPort: number;
  readonly scopes: readonly string[];
  readonly clientCredentialsScope: string;
  readonly resources: readonly string[];
  readonly dir: string;
  readonly startMs: number;
  log(): string;
  stop(): Promise<void>;
}

export function startGlewlwyd(options?: {
  port?: number;
  callbackPort?: number;
  resources?: string[];
  preGrant?: boolean;
  issInCallback?: boolean;
}): Promise<GlewlwydOp>;

export function signInAsPerson(
  page: Page,
  username: string,
  password: string,
  options?: { timeoutMs?: number },
): Promise<void>;

export function enterUserCode(page: Page, userCode: string, options?: { timeoutMs?: number }): Promise<void>;

export function freePort(): Promise<number>;
