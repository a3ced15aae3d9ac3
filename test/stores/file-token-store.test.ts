/** The CLI's token cache reads what an earlier version wrote: the flows `code` and `device` by their names now. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileTokenStore, parseEntry } from '../../src/stores/file-token-store.js';

const login = { baseUrl: 'https://cdf.example.com', project: 'demo' };

/** A cached OpenID Connect login as an earlier version wrote it, with `flow` as it was then. */
const olderEntry = (flow: string) => ({
  v: 1,
  kind: 'oidc',
  flow,
  ...login,
  user: 'alice',
  issuer: 'https://idp.example.com',
  clientId: 'cli',
  scope: 'openid offline_access',
  tokens: { accessToken: 'a.b.c', tokenType: 'Bearer', expiresAt: 1_900_000_000_000, refreshToken: 'r' },
  claims: null,
});

describe('the token cache across versions', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cdf-auth-cache-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('an entry an earlier version wrote with flow code or device is read as authorization-code or device-code', () => {
    expect(parseEntry(JSON.stringify(olderEntry('code')))).toMatchObject({ flow: 'authorization-code', user: 'alice' });
    expect(parseEntry(JSON.stringify(olderEntry('device')))).toMatchObject({ flow: 'device-code' });
    for (const flow of ['authorization-code', 'device-code', 'client-credentials'])
      expect(parseEntry(JSON.stringify(olderEntry(flow)))).toMatchObject({ flow });
    // Only a cached login's own former names: no other flow, no Toolkit name, nothing else.
    for (const flow of ['interactive', 'device_code', 'token', 'login-url', 'session', 'toString', ''])
      expect(parseEntry(JSON.stringify(olderEntry(flow)))).toBeNull();
    expect(parseEntry(JSON.stringify({ ...olderEntry('code'), flow: 1 }))).toBeNull();
  });

  it('the store reads and lists such an entry with its tokens, and writes it back under the one name', async () => {
    const store = createFileTokenStore(dir);
    // Written by the store itself, as the earlier version did: only the flow's name differs.
    await store.write(olderEntry('code') as never);
    const onDisk = path.join(dir, (await readdir(dir)).find((f) => f.startsWith('tokens-')) ?? 'none');
    expect(JSON.parse(await readFile(onDisk, 'utf8')).flow).toBe('code');
    const entry = await store.read(login);
    expect(entry).toMatchObject({ kind: 'oidc', flow: 'authorization-code', tokens: { refreshToken: 'r' } });
    expect(await store.list()).toEqual([entry]);
    expect(await store.unreadable()).toEqual([]);
    // A renewal writes the entry it read: from then on the file says the name too.
    if (entry?.kind !== 'oidc') throw new Error('not an OIDC entry');
    await store.write({ ...entry, tokens: { ...entry.tokens, accessToken: 'd.e.f' } });
    expect(JSON.parse(await readFile(onDisk, 'utf8'))).toMatchObject({
      flow: 'authorization-code',
      tokens: { accessToken: 'd.e.f' },
    });
    await writeFile(onDisk, JSON.stringify(olderEntry('device')));
    expect(await store.read(login)).toMatchObject({ flow: 'device-code' });
  });
});
