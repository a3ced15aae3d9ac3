/**
 * `cdf-auth emulator --json` prints JSON only on stdout, also once oidc-provider has notices to print.
 * Found in the first hour with the CLI, met the way a person meets it; seen failing before its fix.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { CLI_BIN } from '../helpers/cli.js';

describe('bugs of the first hour', () => {
  it('5. emulator --json: stdout is JSON only, also once the device page is used', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'emulator', '--json', '--seed', 'first-hour-json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines: string[] = [];
      const reader = createInterface({ input: child.stdout });
      reader.on('line', (line) => lines.push(line));
      while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const printed = JSON.parse(lines[0] ?? '') as {
        issuer: string;
        clients: { cli: string; service: { id: string; secret: string } };
      };
      // Use the device flow and revocation, which make oidc-provider print its notices.
      const device = await fetch(`${printed.issuer}/device/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: printed.clients.cli, scope: 'openid' }),
      });
      const answer = (await device.json()) as { verification_uri: string; verification_uri_complete: string };
      // The page where the person types the code, then the one with the code in it.
      await fetch(answer.verification_uri);
      await fetch(answer.verification_uri_complete);
      // A revocation by the service client: oidc-provider's default revocation policy prints a NOTICE.
      const basic = Buffer.from(`${printed.clients.service.id}:${printed.clients.service.secret}`).toString('base64');
      await fetch(`${printed.issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
        body: new URLSearchParams({ token: 'x' }),
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    } finally {
      child.kill('SIGINT');
    }
  });
});
