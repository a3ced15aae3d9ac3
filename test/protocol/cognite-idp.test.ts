/**
 * Cognite IdP's list of an organization's projects (`GET {issuer}/api/v1/orgs/{org}/projects`), on a real
 * loopback server: what is sent, what is accepted, and how a refusal or an unreadable list is reported.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { organizationProjects } from '../../src/protocol/cognite-idp.js';
import { failureOf } from '../helpers/failure.js';
import { startTestServer } from '../helpers/http-server.js';

const server = await startTestServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const TOKEN = 'person-access-token-123';
const answer = (status: number, body: unknown) =>
  server.handle((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  });
const projectsOf = (org = 'my-org', issuer = server.url) => organizationProjects({ issuer, org, accessToken: TOKEN });

describe('organizationProjects', () => {
  it('asks the issuer origin for the org projects with the bearer token, and returns name and apiUrl of each', async () => {
    answer(200, {
      items: [
        { name: 'demo', apiUrl: 'https://westeurope-1.cognitedata.com', extra: 'ignored' },
        { name: 'prod', apiUrl: 'https://api.cognitedata.com' },
      ],
    });
    expect(await projectsOf('my org/x', `${server.url}/some/issuer/path`)).toEqual([
      { name: 'demo', apiUrl: 'https://westeurope-1.cognitedata.com' },
      { name: 'prod', apiUrl: 'https://api.cognitedata.com' },
    ]);
    const request = server.requests[0];
    expect(request?.method).toBe('GET');
    expect(request?.url).toBe('/api/v1/orgs/my%20org%2Fx/projects');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('an organization without projects the person reaches is an empty list', async () => {
    answer(200, { items: [] });
    expect(await projectsOf()).toEqual([]);
  });

  it('a 401 is accessDenied, naming the status and the organization to check', async () => {
    answer(401, { error: { code: 401, message: 'Unauthorized' } });
    const error = await failureOf(projectsOf('acme'));
    expect(error.code).toBe('accessDenied');
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      'Cognite IdP answered 401 for the projects of organization acme: check --org (the organization you signed in to).',
    );
  });

  it('a 403 is accessDenied too, naming the organization to check', async () => {
    answer(403, { error: { code: 403, message: 'Forbidden' } });
    const error = await failureOf(projectsOf('acme'));
    expect(error.code).toBe('accessDenied');
    expect(error.status).toBe(403);
    expect(error.message).toBe(
      'Cognite IdP answered 403 for the projects of organization acme: check --org (the organization you signed in to).',
    );
  });

  it.each([
    ['no items', {}],
    ['items that are not a list', { items: { name: 'demo', apiUrl: 'https://a.example' } }],
    ['an empty body', undefined],
    ['a JSON null', null],
    ['a project without a name', { items: [{ apiUrl: 'https://a.example' }] }],
    ['a name that is not a string', { items: [{ name: 5, apiUrl: 'https://a.example' }] }],
    ['an apiUrl that is not a string', { items: [{ name: 'demo', apiUrl: ['https://a.example'] }] }],
    ['an apiUrl that is not a URL', { items: [{ name: 'demo', apiUrl: 'not a url' }] }],
    ['a null item', { items: [null] }],
    [
      'one bad project among good ones',
      {
        items: [
          { name: 'demo', apiUrl: 'https://a.example' },
          { name: 'x', apiUrl: 'nope' },
        ],
      },
    ],
  ])('%s is invalidResponse: the list must be { items: [{ name, apiUrl }] }', async (_name, body) => {
    answer(200, body);
    const error = await failureOf(projectsOf('acme'));
    expect(error.code).toBe('invalidResponse');
    expect(error.message).toBe("Cognite IdP's list of the projects of acme is not { items: [{ name, apiUrl }] }.");
  });

  it('the token is never in the failure, even when the server echoes it', async () => {
    answer(500, { error: { code: 500, message: `token ${TOKEN} broke us` } });
    const error = await failureOf(projectsOf());
    expect(error.code).toBe('http');
    expect(error.status).toBe(500);
    expect(JSON.stringify({ message: error.message })).not.toContain(TOKEN);
  });
});
