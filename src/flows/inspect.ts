/**
 * CDF's `/api/v1/token/inspect`, as the OIDC flows decide on it: which projects the token reaches, asked
 * at one cluster, or at the cluster of a project picked once the person has signed in (Cognite IdP).
 */
import type { Inspection } from '../../machines/shared/tokens.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import type { CdfClient } from '../protocol/cdf.js';

/** Asks CDF about a token: the flows' `inspectToken` effect. */
export type Inspector = (accessToken: string, signal?: AbortSignal) => Promise<Inspection>;

/** CDF's `/api/v1/token/inspect`, reduced to what the OIDC machines decide on. */
export async function inspectAt(cdf: CdfClient, accessToken: string, signal?: AbortSignal): Promise<Inspection> {
  try {
    const inspection = await cdf.inspectToken(accessToken, signal ? { signal } : {});
    return { subject: inspection.subject, projects: inspection.projects.map((p) => p.projectUrlName) };
  } catch (error) {
    throw error instanceof AuthFlowError && error.code === 'tokenRejected' ? audienceHint(cdf, error) : error;
  }
}

/** An {@link Inspector} over `cdf`, or one function that finds the cluster itself. */
export function inspectorOf(cdf: CdfClient | Inspector): Inspector {
  return typeof cdf === 'function' ? cdf : (accessToken, signal) => inspectAt(cdf, accessToken, signal);
}

/**
 * CDF refusing a token the IdP has just issued almost always means the token is for another audience
 * (Entra without the cluster scope issues one for Microsoft Graph; Auth0 without `audience` an opaque
 * one). The failure says so, and which option fixes it.
 */
function audienceHint(cdf: CdfClient, error: AuthFlowError): AuthFlowError {
  const resource = new URL(cdf.baseUrl).origin;
  return new AuthFlowError(
    {
      ...error.toFailure(),
      message:
        `CDF (${resource}) refused the token the IdP just issued (HTTP 401): it is most likely for another audience. ` +
        `Ask for a token for the cluster: scope "${resource}/.default" (CLI: --scope, or --provider entra with --cluster), ` +
        'for Auth0 the audience of the API CDF trusts (--audience), or for an IdP that names the audience by RFC 8707 ' +
        'the resource CDF trusts (--resource).',
    },
    { cause: error },
  );
}
