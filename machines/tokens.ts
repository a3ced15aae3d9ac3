/** Token shapes shared by the OpenID Connect machines and the session. All strings here are secrets. */

/** What a token endpoint issued, normalised. */
export interface TokenSet {
  readonly accessToken: string;
  /** `Bearer` (compared without regard to case by the driver; other types are refused there). */
  readonly tokenType: string;
  /** When the access token expires, ms since epoch (a conservative default when the IdP did not say). */
  readonly expiresAt: number;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** The granted scope; the requested one when the IdP did not say. */
  readonly scope?: string;
}

/** The parts of the IdP's metadata the machines decide on. */
export interface IdpMetadata {
  /** The metadata's `issuer`, which must equal the configured issuer exactly. */
  readonly issuer: string;
  /** `authorization_response_iss_parameter_supported` (RFC 9207). */
  readonly issParameterSupported: boolean;
  /** Whether `code_challenge_methods_supported` lists S256. */
  readonly s256Supported: boolean;
}

/** The claims of a validated ID token the flows keep. */
export interface IdClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly name?: string;
  readonly email?: string;
}

/** What CDF's `/api/v1/token/inspect` said about an access token. */
export interface Inspection {
  readonly subject: string;
  readonly projects: readonly string[];
}

/** What an OpenID Connect sign-in (code or device) ends with: the tokens, the ID token's claims, and CDF's word on them. */
export interface OidcSignIn {
  readonly tokens: TokenSet;
  readonly claims: IdClaims | null;
  readonly inspection: Inspection;
}
