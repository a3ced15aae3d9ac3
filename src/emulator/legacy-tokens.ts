/**
 * CDF-issued legacy tokens (docs/cdf-api.md §3.9): RS256 JWTs with `sub`, `project_name`, `project_id`,
 * `exp`, `expire_time`, `signing_key` and a session ticket that `/logout` can revoke.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { type CryptoKey, decodeJwt, errors, generateKeyPair, jwtVerify, SignJWT } from 'jose';

export interface LegacyClaims {
  readonly sub: string;
  readonly project_name: string;
  readonly project_id: number;
  readonly groups: readonly number[];
  readonly signing_key: string;
  readonly sessionTicket: string;
  readonly exp: number;
  readonly expire_time: number;
}

type LegacyCheck =
  | { readonly ok: true; readonly claims: LegacyClaims }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'signature' | 'expired' | 'revoked';
      readonly claims?: LegacyClaims;
    };

export interface LegacyTokenAuthority {
  mint(input: {
    sub: string;
    project: string;
    projectId: number;
    groups: readonly number[];
    ttlSeconds: number;
  }): Promise<{
    accessToken: string;
    idToken: string;
  }>;
  check(token: string): Promise<LegacyCheck>;
  revokeSession(ticket: string): void;
}

export async function createLegacyTokenAuthority(issuer: string): Promise<LegacyTokenAuthority> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = `cdf-${randomBytes(4).toString('hex')}`;
  const revoked = new Set<string>();
  const sign = (claims: Record<string, unknown>, exp: number, use: string) =>
    new SignJWT({ ...claims, token_use: use })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setIssuedAt()
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(privateKey);
  return {
    async mint({ sub, project, projectId, groups, ttlSeconds }) {
      const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
      const base = {
        sub,
        project_name: project,
        project_id: projectId,
        groups,
        signing_key: kid,
        sessionTicket: randomUUID(),
        expire_time: exp,
      };
      return {
        accessToken: await sign({ ...base, account_type: 'user_account', unique_name: sub }, exp, 'access'),
        idToken: await sign(base, exp, 'id'),
      };
    },
    async check(token) {
      return verify(token, publicKey, issuer, revoked);
    },
    revokeSession(ticket) {
      revoked.add(ticket);
    },
  };
}

async function verify(token: string, key: CryptoKey, issuer: string, revoked: Set<string>): Promise<LegacyCheck> {
  let claims: LegacyClaims;
  try {
    claims = decodeJwt(token) as unknown as LegacyClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  try {
    await jwtVerify(token, key, { issuer, algorithms: ['RS256'] });
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired', claims };
    return { ok: false, reason: 'signature' };
  }
  if (revoked.has(claims.sessionTicket)) return { ok: false, reason: 'revoked', claims };
  return { ok: true, claims };
}
