/** Token shapes shared by the OpenID Connect machines and the session. All strings here are secrets. */

/** What a token endpoint issued, normalised. */
export interface TokenSet {
  /** The access token sent to CDF as `Authorization: Bearer …`. */
  readonly accessToken: string;
  /** `Bearer` (compared without regard to case by the driver; other types are refused there). */
  readonly tokenType: string;
  /** When the access token expires, ms since epoch (a conservative default when the IdP did not say). */
  readonly expiresAt: number;
  /** The refresh token, where the IdP issued one (it may rotate on each use). */
  readonly refreshToken?: string;
  /** The ID token, where the flow asked for `openid`. */
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
  /** The issuer. */
  readonly iss: string;
  /** The subject: who signed in, as the IdP names them. */
  readonly sub: string;
  /** The audience: this client. */
  readonly aud: string | readonly string[];
  /** The display name, where the IdP sent one. */
  readonly name?: string;
  /** The email address, where the IdP sent one. */
  readonly email?: string;
}

/** What CDF's `/api/v1/token/inspect` said about an access token. */
export interface Inspection {
  /** The subject CDF sees in the token. */
  readonly subject: string;
  /** The projects the token reaches, as CDF lists them. */
  readonly projects: readonly string[];
}

/** What an OpenID Connect sign-in (code or device) ends with: the tokens, the ID token's claims, and CDF's word on them. */
export interface OidcSignIn {
  /** The tokens. Secret. */
  readonly tokens: TokenSet;
  /** The validated ID token's claims; `null` where the IdP issued no ID token (device flow without `openid`). */
  readonly claims: IdClaims | null;
  /** What CDF's token/inspect said of the access token. */
  readonly inspection: Inspection;
}
