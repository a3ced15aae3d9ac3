/**
 * A small, scripted, misbehaving OpenID Provider (node:http + jose) for negative tests: each test says
 * what the provider gets wrong, and the provider records every request it received.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { listenLocal, stopServer } from './http-server.js';

export interface Script {
  /** Metadata `issuer` (default: the real one). */
  metadataIssuer?: string;
  issParameterSupported?: boolean;
  codeChallengeMethods?: string[];
  /** Rewrites the authorization response parameters before the redirect. */
  authorizationResponse?: (params: URLSearchParams, issuer: string) => void;
  /** Rewrites the ID token claims; `header` overrides the protected header. */
  idToken?: (claims: JWTPayload) => JWTPayload;
  idTokenHeader?: Record<string, unknown>;
  /** Sign with a key the JWKS does not hold yet (published only after the first JWKS fetch). */
  rotateKeyAfterFirstJwks?: boolean;
  /** 'none' (unsigned) or 'HS256' (signed with a shared secret). */
  idTokenAlg?: 'RS256' | 'none' | 'HS256';
  /** Raw token endpoint answer instead of tokens. */
  tokenResponse?: { status: number; body: string; contentType?: string };
  tokenType?: string;
}

export async function startScriptedOp(script: Script = {}) {
  const first = await generateKeyPair('RS256', { extractable: true });
  const second = await generateKeyPair('RS256', { extractable: true });
  const keys = [
    { ...(await exportJWK(first.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(second.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' },
  ];
  const requests: Array<{ method: string; path: string }> = [];
  const codes = new Map<string, { nonce: string; clientId: string; redirectUri: string }>();
  let jwksFetches = 0;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    requests.push({ method: req.method ?? 'GET', path: url.pathname });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: script.metadataIssuer ?? issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: script.codeChallengeMethods ?? ['S256'],
        authorization_response_iss_parameter_supported: script.issParameterSupported ?? true,
        id_token_signing_alg_values_supported: ['RS256'],
        subject_types_supported: ['public'],
      });
    }
    if (url.pathname === '/jwks') {
      jwksFetches += 1;
      const published = script.rotateKeyAfterFirstJwks && jwksFetches === 1 ? [keys[0]] : keys;
      return json(200, { keys: published });
    }
    if (url.pathname === '/authorize') {
      const code = randomUUID();
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      codes.set(code, {
        nonce: url.searchParams.get('nonce') ?? '',
        clientId: url.searchParams.get('client_id') ?? '',
        redirectUri,
      });
      const params = new URLSearchParams({ code, state: url.searchParams.get('state') ?? '', iss: issuer });
      script.authorizationResponse?.(params, issuer);
      const target = new URL(redirectUri);
      for (const [k, v] of params) target.searchParams.append(k, v);
      res.writeHead(303, { location: target.toString() }).end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      if (script.tokenResponse) {
        res.writeHead(script.tokenResponse.status, {
          'content-type': script.tokenResponse.contentType ?? 'application/json',
        });
        res.end(script.tokenResponse.body);
        return;
      }
      const form = new URLSearchParams(body);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!grant) return json(400, { error: 'invalid_grant' });
      const now = Math.floor(Date.now() / 1000);
      const claims: JWTPayload = script.idToken?.({
        iss: issuer,
        sub: 'alice',
        aud: grant.clientId,
        nonce: grant.nonce,
        iat: now,
        exp: now + 300,
      }) ?? { iss: issuer, sub: 'alice', aud: grant.clientId, nonce: grant.nonce, iat: now, exp: now + 300 };
      let idToken: string;
      const alg = script.idTokenAlg ?? 'RS256';
      if (alg === 'none') {
        const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
        idToken = `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
      } else if (alg === 'HS256') {
        idToken = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .sign(new TextEncoder().encode('x'.repeat(32)));
      } else {
        const useSecond = script.rotateKeyAfterFirstJwks === true;
        idToken = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: useSecond ? 'k2' : 'k1', ...script.idTokenHeader })
          .sign(useSecond ? second.privateKey : first.privateKey);
      }
      return json(200, {
        access_token: `at-${randomUUID()}`,
        token_type: script.tokenType ?? 'Bearer',
        expires_in: 300,
        id_token: idToken,
      });
    }
    res.writeHead(404).end();
  });
  const issuer = await listenLocal(server);
  return {
    issuer,
    requests,
    jwksFetches: () => jwksFetches,
    close: () => stopServer(server),
  };
}
