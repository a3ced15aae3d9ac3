/**
 * Which IdP a sign-in talks to and what it asks for, decided once per sign-in: the flow's own options
 * first, then the preset's, then CDF's convention. The result goes with the sign-in (a cached login
 * keeps it), so that nothing resolves the same options again.
 */
import { InvalidArgumentError } from '../errors/invalid-argument.js';
import { cdfScopes, type IdpPreset } from './idp-presets.js';

/** What the resolution reads: a flow's IdP options. */
export interface IdpChoice {
  /** The IdP's issuer identifier (or pass `idp`). */
  readonly issuer?: string | undefined;
  /** An IdP preset (`entra(...)`, `auth0(...)`, ...). */
  readonly idp?: IdpPreset | undefined;
  /** The CDF cluster, for CDF's default scopes. */
  readonly baseUrl: string;
  /** The scopes to ask for, space-separated; wins over the preset's. */
  readonly scope?: string | undefined;
  /** Extra authorization parameters, added to the preset's. */
  readonly authorizationParams?: Readonly<Record<string, string>> | undefined;
  /** Extra device and client-credentials parameters, added to the preset's. */
  readonly tokenParams?: Readonly<Record<string, string>> | undefined;
}

/** The IdP of one sign-in, as resolved: what its requests carry. */
export interface ResolvedIdp {
  /** The issuer identifier. */
  readonly issuer: string;
  /** The scopes asked for (a person's with what a sign-in needs: `openid`, and at Entra ID `profile offline_access`). */
  readonly scope: string;
  /** The authorization request's extra parameters. */
  readonly authorizationParams: Readonly<Record<string, string>>;
  /** The device and client-credentials requests' extra parameters. */
  readonly tokenParams: Readonly<Record<string, string>>;
}

/**
 * The issuer, scope and extra parameters of a sign-in by a person (`user`) or a service. A person's scopes
 * get what a sign-in needs: `openid` always (the flows require an ID token); for Entra ID also `profile
 * offline_access`, which MSAL adds to every request itself, so that `IDP_SCOPES` written for the Cognite
 * Toolkit (`{cluster}/.default` alone) signs a person in as it does there.
 */
export function resolveIdp(choice: IdpChoice, kind: 'user' | 'service'): ResolvedIdp {
  const issuer = choice.issuer ?? choice.idp?.issuer;
  if (!issuer) throw new InvalidArgumentError('Pass issuer or idp (a preset such as entra({ tenant, cluster })).');
  const presetScope = kind === 'user' ? choice.idp?.userScope : choice.idp?.serviceScope;
  const scope = choice.scope ?? presetScope ?? cdfScopes(choice.baseUrl)[kind];
  return {
    issuer,
    scope: kind === 'user' ? personScope(scope, choice.idp?.provider) : scope,
    authorizationParams: { ...choice.idp?.authorizationParams, ...choice.authorizationParams },
    tokenParams: { ...choice.idp?.tokenParams, ...choice.tokenParams },
  };
}

function personScope(scope: string, provider: string | undefined): string {
  const words = scope.split(' ').filter(Boolean);
  const needed = provider === 'entra' ? ['openid', 'profile', 'offline_access'] : ['openid'];
  return [...words, ...needed.filter((word) => !words.includes(word))].join(' ');
}
