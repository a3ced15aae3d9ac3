/**
 * `cdf-auth login --trace FILE` and `cdf-auth trace FILE`: the trace of a real sign-in against the
 * emulator, read back as a timeline and drawn on the diagram; a failed sign-in's trace says where; the
 * file is 0600, holds no token, code or secret, and is never written through a symlink.
 */
import { lstat, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorCli } from '../helpers/cli-suite.js';

const { home, cli, codeLogin, tokenFile, service } = await emulatorCli({ prefix: 'cdf-auth-trace-' });

describe('login --trace FILE, read back with cdf-auth trace FILE', () => {
  it('a code flow: every state in order with its event and guard, 0600, no secret; text, mermaid and json', async () => {
    const file = path.join(home(), 'signin.trace');
    const login = await codeLogin(['--trace', file]);
    expect(login.code).toBe(0);
    expect((await lstat(file)).mode & 0o777).toBe(0o600);
    const written = await readFile(file, 'utf8');
    const entry = JSON.parse(await readFile(await tokenFile(), 'utf8'));
    for (const secret of [entry.tokens.accessToken, entry.tokens.refreshToken, entry.tokens.idToken])
      expect(written).not.toContain(secret);

    const timeline = await cli(['trace', file]);
    expect(timeline.code).toBe(0);
    const order = ['discovering', 'redirectingToIdp', 'exchangingCode', 'validatingIdToken', 'inspectingToken'];
    const positions = order.map((state) => timeline.out.indexOf(`-> ${state}`));
    expect(positions.every((at) => at >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(timeline.out).toMatch(
      /\+\s*0 ms {2}authorizationCode {2}idle -> discovering {2}on START \[isUsableAttempt\]/,
    );
    expect(timeline.out).toMatch(/inspectingToken -> authenticated {2}on xstate\.done\.actor\.inspectToken/);

    const mermaid = await cli(['trace', file, '--format', 'mermaid']);
    expect(mermaid.out).toMatch(/^stateDiagram-v2/);
    expect(mermaid.out).toMatch(/ {2}class idle,discovering,redirectingToIdp,.*authenticated visited/);
    expect(mermaid.out).toContain('  class authenticated signedInEnd');
    const json = JSON.parse((await cli(['trace', file, '--format', 'json'])).out);
    expect(json.at(-1)).toMatchObject({ v: 1, machine: 'authorizationCode', to: 'authenticated' });
  });

  it("a failed sign-in's trace ends in failed and says where (state, event, actor)", async () => {
    const file = path.join(home(), 'failed.trace');
    const args = [...service(), '--flow', 'client-credentials', '--client-secret-env', 'S'];
    const wrong = 'not-the-secret-of-this-client';
    const login = await cli([...args, '--trace', file], { S: wrong });
    expect(login.code).toBe(3);
    expect(await readFile(file, 'utf8')).not.toContain(wrong);
    const timeline = await cli(['trace', file]);
    expect(timeline.out).toMatch(/requesting -> failed {2}on xstate\.error\.actor\.requestToken/);
    expect(timeline.out).toContain(
      '(in state requesting, on event xstate.error.actor.requestToken, actor requestToken)',
    );
    expect((await cli(['trace', file, '--format', 'mermaid'])).out).toContain('  class failed failedEnd');
  });

  it('refuses a symlink as the trace file, and reads no file that --trace did not write', async () => {
    const target = path.join(home(), 'elsewhere');
    await writeFile(target, 'keep');
    const link = path.join(home(), 'link.trace');
    await symlink(target, link);
    const login = await codeLogin(['--trace', link]);
    expect(login.code).toBe(2);
    expect(login.err).toContain('symbolic link');
    expect(await readFile(target, 'utf8')).toBe('keep');
    const garbage = path.join(home(), 'garbage.trace');
    await writeFile(garbage, '{"v":1,"t":0,"machine":"x","from":"a","to":"b","event":"E"}\nnot json\n');
    const read = await cli(['trace', garbage]);
    expect(read.code).toBe(2);
    expect(read.err).toContain('Line 2 is not a line of a cdf-auth trace');
    expect((await cli(['trace', path.join(home(), 'missing')])).err).toContain('ENOENT');
  });
});
