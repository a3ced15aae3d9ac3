/**
 * The states every OIDC user flow ends with — validate the ID token, then ask CDF's token/inspect —  They are state configs, not a child
 * machine, so that a flow's states stay visible in its own statechart. A machine that uses them names its
 * actors `validateIdToken` and `inspectToken`, its delays `validateTimeout` and `inspectTimeout`, and
 * has the actions `fail` (a {@link Failure}), `enterStep`, `takeClaims` and `takeInspection`, and the guard
 * `isOtherProject`.
 */
import { type Failure, failOnError, failOnTimeout, failWhen } from './failure.js';
import { type FlowProgress, flowOutput } from './outcome.js';
import type { IdClaims, Inspection, OidcSignIn, TokenSet } from './tokens.js';

/** What the token checks read from a machine's context. */
export interface TokenCheckContext {
  /** The tokens to check. Secret. */
  readonly tokens: TokenSet | null;
  /** The project token/inspect must list, or `null`. */
  readonly project: string | null;
}

/** Guard: CDF's inspection does not list the configured project (with none configured, never). */
export const isOtherProject = ({ context }: { context: TokenCheckContext }, inspection: Inspection): boolean =>
  context.project !== null && !inspection.projects.some((p) => p.toLowerCase() === context.project!.toLowerCase());

/** The output of an OIDC user flow: the sign-in once CDF inspected the tokens. */
export const signInOutput = flowOutput<
  TokenCheckContext & FlowProgress & { readonly claims: IdClaims | null; readonly inspection: Inspection | null },
  OidcSignIn
>((context) =>
  // The inspection is taken only on the way into authenticated; a failure or a cancel forgets the tokens.
  context.inspection ? { tokens: context.tokens!, claims: context.claims, inspection: context.inspection } : null,
);

/** Validates the ID token (signature, claims, `nonce` when the flow sent one), then inspects. */
export const validatingIdToken = <TContext extends TokenCheckContext>(nonceOf: (context: TContext) => string | null) =>
  checking(
    'validatingIdToken',
    {
      id: 'validateIdToken',
      src: 'validateIdToken',
      input: ({ context }: { context: TContext }) => ({ idToken: context.tokens!.idToken!, nonce: nonceOf(context) }),
      onDone: {
        target: 'inspectingToken',
        actions: { type: 'takeClaims', params: ({ event }: { event: { output: IdClaims } }) => event.output },
      },
      onError: failOnError('idTokenInvalid'),
    } as const,
    { validateTimeout: failOnTimeout('The ID token could not be validated in time.') },
  );

/** Asks CDF's token/inspect whether it accepts the token, and for the configured project. */
export const inspectingToken = <TContext extends TokenCheckContext>() =>
  checking(
    'inspectingToken',
    {
      id: 'inspectToken',
      src: 'inspectToken',
      input: ({ context }: { context: TContext }) => ({ accessToken: context.tokens!.accessToken }),
      onDone: [
        failWhen(
          'isOtherProject',
          ({ event }: { event: { output: Inspection } }) => event.output,
          ({ context }: { context: TContext }): Failure => ({
            code: 'projectMismatch',
            message: `CDF says this token has no access to project "${context.project}".`,
          }),
        ),
        {
          target: 'authenticated',
          actions: { type: 'takeInspection', params: ({ event }: { event: { output: Inspection } }) => event.output },
        },
      ],
      onError: failOnError('network'),
    } as const,
    { inspectTimeout: failOnTimeout('CDF did not inspect the token in time.') },
  );

/** A check the flow waits on: busy, named for its failures, bounded by its timeout, cancellable. */
const checking = <const TStep extends string, const TInvoke, const TAfter>(
  step: TStep,
  invoke: TInvoke,
  after: TAfter,
) =>
  ({
    tags: ['busy'],
    entry: { type: 'enterStep', params: step },
    invoke,
    after,
    on: { CANCEL: 'cancelled' },
  }) as const;
