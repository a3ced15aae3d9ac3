/** The emulator IdP's options and handle. */
import type { ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import type { EmulatorUser } from './config.js';
import type { FaultQueue } from './faults.js';
import type { IdpProfile } from './idp-profiles.js';

/** What the next sign-in at the IdP does, in headless mode. */
export type NextLogin =
  | {
      /** Sign in as this user id. */
      readonly approve: string;
    }
  | {
      /** Refuse the sign-in (`access_denied`). */
      readonly deny: true;
    };

/** A client registered at the IdP. */
interface IdpClient {
  readonly client_id: string;
  readonly [key: string]: unknown;
}

/** The IdP endpoints CDF's legacy login (a confidential client of the IdP) calls. */
export interface IdpEndpoints {
  readonly authorize: string;
  readonly token: string;
  readonly jwks: string;
  readonly endSession: string;
}

export interface StartedIdp {
  readonly issuer: string;
  readonly endpoints: IdpEndpoints;
  /** The private signing key (JWK with `kid`), for tests that forge tokens. */
  readonly privateJwk: JWK;
  /** The public JWKS as the IdP serves it. */
  readonly publicJwks: { keys: JWK[] };
  setNextLogin(next: NextLogin): void;
  close(): Promise<void>;
}

export interface IdpOptions {
  /** How strict, and in whose shapes, the IdP answers. */
  readonly profile: IdpProfile;
  readonly host: string;
  readonly port: number;
  readonly headless: boolean;
  readonly users: readonly EmulatorUser[];
  readonly clients: readonly IdpClient[];
  /** Resource servers (audience URLs) whose access tokens are JWTs. */
  readonly resourceServers: readonly string[];
  readonly accessTokenTtlSeconds: number;
  readonly deviceCodeTtlSeconds: number;
  /** Faults with `on: 'idp'` apply here. */
  readonly faults: FaultQueue;
  /** Responses a stall fault holds open, ended when the emulator closes. */
  readonly stalled: Set<ServerResponse>;
  /** Every request the IdP received (method and path, no query or body). */
  readonly requests: Array<{ method: string; path: string }>;
  /** Cognite IdP's projects API: the projects of the organization a subject reaches. */
  readonly organizationProjects?: (subject: string) => ReadonlyArray<{ name: string; apiUrl: string }>;
}
