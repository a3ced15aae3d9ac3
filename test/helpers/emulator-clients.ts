/** The emulator's clients as the options of a sign-in, shared by the tests that sign in as a service. */

/** What of an emulator these options need (the in-repo emulator and the one imported by package name alike). */
interface EmulatorLike {
  readonly issuer: string;
  readonly baseUrl: string;
  readonly clients: { readonly service: { readonly id: string; readonly secret: string } };
}

/** The emulator's confidential `service` client, for CDF (`api:read`, the cluster as RFC 8707 resource). */
export const serviceSignIn = (emulator: EmulatorLike) => ({
  issuer: emulator.issuer,
  clientId: emulator.clients.service.id,
  clientSecret: emulator.clients.service.secret,
  baseUrl: emulator.baseUrl,
  scope: 'api:read',
  resource: emulator.baseUrl,
});
