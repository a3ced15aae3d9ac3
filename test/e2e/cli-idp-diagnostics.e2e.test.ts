/**
 * `--json` carries the IdP's own diagnostics (Entra's AADSTS codes, trace id), and the code says which side refused.
 * Found in the first hour with the CLI, met the way a person meets it; seen failing before its fix.
 */
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { entraLoginArgs } from '../helpers/cli.js';
import { freshHomeCli } from '../helpers/cli-suite.js';

const { cli } = freshHomeCli({ prefix: 'cdf-auth-first-hour-', homeInEnv: true });

describe("6. the IdP's own diagnostics, and which side refused", () => {
  it("--json carries Entra's AADSTS codes, trace_id and correlation_id; the code says the IdP refused the client", async () => {
    const entraIdp = await startEmulator({ profile: 'entra', seed: 'first-hour-entra' });
    try {
      const run = await cli(
        entraLoginArgs(
          entraIdp,
          '--tenant',
          entraIdp.tenantId ?? '',
          '--client-id',
          entraIdp.clients.service.id,
          '--json',
        ),
        { IDP_CLIENT_SECRET: 'not-the-secret' },
      );
      expect(run.code).toBe(3);
      const { error } = JSON.parse(run.out) as {
        error: { code: string; message: string; idpDiagnostics: { traceId: string; errorCodes: number[] } };
      };
      expect(error.code).toBe('clientRejected');
      expect(error.message).toContain('AADSTS');
      expect(error.idpDiagnostics.traceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(run.out).not.toContain('not-the-secret');
    } finally {
      await entraIdp.close();
    }
  });
});
