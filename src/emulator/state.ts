/** The state of one emulated cluster, shared by its routes. */
import type { ServerResponse } from 'node:http';
import type { EmulatorApiKey, EmulatorProject, EmulatorUser } from './config.js';
import type { FaultQueue } from './faults.js';
import type { IdpEndpoints } from './idp-options.js';
import type { LegacyTokenAuthority } from './legacy-tokens.js';

/** The emulated cluster's state, shared by its routes. */
export interface CdfState {
  readonly baseUrl: string;
  readonly issuer: string;
  /** The audiences of the access tokens this cluster accepts from its IdP (the cluster, Auth0's project APIs). */
  readonly audiences: readonly string[];
  /** Another IdP whose access tokens this cluster accepts (a project configured for an outside IdP). */
  readonly trustedIdp?: { readonly issuer: string; readonly jwksUri: string; readonly audience: string };
  /** The IdP's endpoints, for the legacy login (CDF is a confidential client of the IdP). */
  readonly idpEndpoints: IdpEndpoints;
  /** Whether the IdP sends RFC 9207 `iss` with its authorization responses. */
  readonly issParameter: boolean;
  readonly cdfClient: { readonly id: string; readonly secret: string };
  readonly projects: readonly EmulatorProject[];
  readonly users: readonly EmulatorUser[];
  readonly apiKeys: EmulatorApiKey[];
  readonly revokedApiKeys: Set<string>;
  readonly legacy: LegacyTokenAuthority;
  readonly legacyTokenTtlSeconds: number;
  readonly faults: FaultQueue;
  readonly requests: Array<{ method: string; path: string; search?: string }>;
  readonly statusUnauthorizedAs401: boolean;
  readonly stalled: Set<ServerResponse>;
}
