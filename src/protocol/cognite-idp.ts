/**
 * Cognite IdP's own API beside its OpenID endpoints: the projects of an organization
 * (`GET {issuer}/api/v1/orgs/{org}/projects` with the person's access token), from which a person's
 * sign-in takes its project and, from the project's `apiUrl`, its cluster.
 */
import { AuthFlowError, isAuthFlowError } from '../errors/auth-flow-error.js';
import { createCdfClient } from './cdf.js';
import type { CallOptions } from './http.js';

/** One project of an organization. */
export interface OrganizationProject {
  /** The project's URL name. */
  readonly name: string;
  /** The base URL of the cluster that serves it, e.g. `https://westeurope-1.cognitedata.com`. */
  readonly apiUrl: string;
}

/**
 * The projects of an organization that the token's person reaches. Fails with a typed error that names
 * the organization when Cognite IdP refuses (401, 403) or answers something else than the list.
 *
 * @example
 * ```ts
 * const projects = await organizationProjects({ issuer: 'https://auth.cognite.com', org: 'my-org', accessToken });
 * ```
 */
export async function organizationProjects(
  input: { readonly issuer: string; readonly org: string; readonly accessToken: string },
  call: CallOptions = {},
): Promise<OrganizationProject[]> {
  // The same limits as every CDF call: a deadline, a body cap, no redirect followed, the token never echoed.
  const api = createCdfClient({ baseUrl: new URL(input.issuer).origin });
  const path = `api/v1/orgs/${encodeURIComponent(input.org)}/projects`;
  // The CDF client lets a 401 through as an answer and throws on a 403: both are the same refusal here.
  const answer = await api
    .request('GET', path, { accessToken: input.accessToken }, {}, call)
    .catch((error: unknown) => {
      if (isAuthFlowError(error) && error.status === 403) return { status: 403, body: null };
      throw error;
    });
  if (answer.status === 401 || answer.status === 403) {
    throw new AuthFlowError({
      code: 'accessDenied',
      message: `Cognite IdP answered ${answer.status} for the projects of organization ${input.org}: check --org (the organization you signed in to).`,
      status: answer.status,
    });
  }
  const items = (answer.body as { items?: unknown } | null)?.items;
  const projects = Array.isArray(items)
    ? items.flatMap((item: unknown) => {
        const { name, apiUrl } = (item ?? {}) as { name?: unknown; apiUrl?: unknown };
        return typeof name === 'string' && typeof apiUrl === 'string' && URL.canParse(apiUrl) ? [{ name, apiUrl }] : [];
      })
    : null;
  if (!projects || projects.length !== (items as unknown[]).length) {
    throw new AuthFlowError({
      code: 'invalidResponse',
      message: `Cognite IdP's list of the projects of ${input.org} is not { items: [{ name, apiUrl }] }.`,
    });
  }
  return projects;
}
