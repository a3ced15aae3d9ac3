/** Configuration of the local CDF emulator: projects, users, API keys. */

/** A CDF project as the emulator knows it. */
export interface EmulatorProject {
  /** URL name, e.g. `demo`. */
  readonly urlName: string;
  /** Its numeric id. */
  readonly projectId: number;
  /** Whether the project has an IdP for the legacy login-URL flow. */
  readonly hasIdp: boolean;
  /** Group ids every member gets. */
  readonly groups: readonly number[];
}

/** A person who can sign in at the emulator's IdP. */
export interface EmulatorUser {
  /** The user id, the `sub` of their tokens. */
  readonly id: string;
  /** The display name. */
  readonly name: string;
  /** The email address. */
  readonly email: string;
  /** URL names of the projects this user may use. */
  readonly projects: readonly string[];
}

/** A legacy API key of a service account. */
export interface EmulatorApiKey {
  /** The key itself. Secret. */
  readonly key: string;
  /** Its id, as `/login/status` reports it. */
  readonly id: number;
  /** The project it belongs to. */
  readonly project: string;
  /** The service account it signs in as. */
  readonly serviceAccount: string;
}

/** The default projects: `demo` and `other` with an IdP, `no-idp` without. */
export const defaultProjects: readonly EmulatorProject[] = [
  { urlName: 'demo', projectId: 1001, hasIdp: true, groups: [1, 2] },
  { urlName: 'other', projectId: 1002, hasIdp: true, groups: [3] },
  { urlName: 'no-idp', projectId: 1003, hasIdp: false, groups: [4] },
];

/** The default users: `alice` (demo and other) and `bob` (other only). */
export const defaultUsers: readonly EmulatorUser[] = [
  { id: 'alice', name: 'Alice Example', email: 'alice@example.test', projects: ['demo', 'other', 'no-idp'] },
  { id: 'bob', name: 'Bob Example', email: 'bob@example.test', projects: ['other'] },
];
