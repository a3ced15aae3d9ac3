/** Who is calling the emulated CDF: an API key, a legacy CDF token, an IdP-issued access token, or nobody. */
import type { IncomingMessage } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { EmulatorApiKey, EmulatorProject } from './config.js';
import { bearerOf, header, safeEqual } from './http.js';
import type { LegacyClaims } from './legacy-tokens.js';
import type { CdfState } from './state.js';

/** The caller of a legacy endpoint. */
export type Caller =
  | { readonly kind: 'none' }
  | { readonly kind: 'apiKey'; readonly key: EmulatorApiKey }
  | { readonly kind: 'legacy'; readonly claims: LegacyClaims };

/** What a bearer token (or an API key) grants: a subject and the projects it reaches. */
export interface Grant {
  readonly subject: string;
  readonly projects: readonly string[];
}

/** Resolves callers against the emulator's state. */
export type Identity = ReturnType<typeof createIdentity>;

/** Creates the resolvers of one emulated cluster. */
export function createIdentity(state: CdfState) {
  const jwks = createRemoteJWKSet(new URL(state.idpEndpoints.jwks));
  const outside = state.trustedIdp ? createRemoteJWKSet(new URL(state.trustedIdp.jwksUri)) : undefined;
  /** The claims of an IdP-issued access token for this cluster: from its own IdP, or the trusted outside one. */
  const verified = async (bearer: string) => {
    try {
      return (await jwtVerify(bearer, jwks, { issuer: state.issuer, audience: [...state.audiences] })).payload;
    } catch (error) {
      if (!outside || !state.trustedIdp) throw error;
      const { issuer, audience } = state.trustedIdp;
      return (await jwtVerify(bearer, outside, { issuer, audience })).payload;
    }
  };
  const project = (name: string | null): EmulatorProject | undefined =>
    state.projects.find((p) => name !== null && p.urlName.toLowerCase() === name.toLowerCase());

  /** Who is asking a legacy endpoint: an API key, a legacy CDF token, or nobody. */
  const caller = async (req: IncomingMessage): Promise<Caller> => {
    const apiKey = header(req, 'api-key');
    if (apiKey !== undefined) {
      const key = state.apiKeys.find((k) => safeEqual(k.key, apiKey));
      if (!key || state.revokedApiKeys.has(key.key)) return { kind: 'none' as const };
      return { kind: 'apiKey' as const, key };
    }
    const bearer = bearerOf(req);
    if (bearer === undefined) return { kind: 'none' as const };
    const check = await state.legacy.check(bearer);
    if (check.ok) return { kind: 'legacy' as const, claims: check.claims };
    return { kind: 'none' as const };
  };

  /** The grant of a Bearer token: a legacy CDF token or an IdP-issued JWT access token for this cluster. */
  const bearerGrant = async (req: IncomingMessage): Promise<Grant | undefined> => {
    const bearer = bearerOf(req);
    if (bearer === undefined) return undefined;
    const legacy = await state.legacy.check(bearer);
    if (legacy.ok) return { subject: legacy.claims.sub, projects: [legacy.claims.project_name] };
    try {
      const payload = await verified(bearer);
      const subject = typeof payload.sub === 'string' ? payload.sub : String(payload.client_id ?? '');
      const user = state.users.find((u) => u.id === subject);
      const projects = user ? [...user.projects] : state.projects.map((p) => p.urlName);
      return { subject, projects };
    } catch {
      return undefined;
    }
  };

  /** The grant of an API key or a Bearer token, for the resource endpoints. */
  const grant = async (req: IncomingMessage): Promise<Grant | undefined> => {
    const who = await caller(req);
    return who.kind === 'apiKey' ? { subject: who.key.serviceAccount, projects: [who.key.project] } : bearerGrant(req);
  };

  /** The body of `/login/status` for a caller. */
  const statusBody = (who: Caller) => {
    if (who.kind === 'apiKey') {
      return {
        user: who.key.serviceAccount,
        loggedIn: true,
        project: who.key.project,
        projectId: project(who.key.project)?.projectId ?? -1,
        apiKeyId: who.key.id,
      };
    }
    if (who.kind === 'legacy') {
      return {
        user: who.claims.sub,
        loggedIn: true,
        project: who.claims.project_name,
        projectId: who.claims.project_id,
      };
    }
    return { user: '', loggedIn: false, project: '', projectId: -1 };
  };

  return { project, caller, bearerGrant, grant, statusBody, jwks };
}
