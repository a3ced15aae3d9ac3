/**
 * A flow for one run: its machine, provided once per module, and the run's own effects (its OIDC
 * client, its `navigate`, its `onUserCode`), which the machine's actors and actions find through the
 * actor system they run in. `machine.provide()` rebuilds every state node (about 200 µs, half of a whole
 * flow's engine time), so no run calls it.
 */
import {
  type Actor,
  type ActorOptions,
  type ActorSystem,
  type AnyStateMachine,
  createActor,
  fromPromise,
} from 'xstate';
import { AuthFlowError } from '../errors/auth-flow-error.js';

/** A machine with its effects provided, and the effects of one run. */
export interface Flow<TMachine extends AnyStateMachine = AnyStateMachine, TEffects = unknown> {
  /** The machine, provided once per module; its actors read {@link Flow.effects} of the run they belong to. */
  readonly machine: TMachine;
  /** What this run's actors and actions use: clients, callbacks. Never part of a snapshot. */
  readonly effects: TEffects;
}

// biome-ignore lint/suspicious/noExplicitAny: xstate's own AnyActorSystem (not exported by name).
type AnySystem = ActorSystem<any>;

/** Each running flow's effects, by the system its actors share; gone with the actor. */
const effectsBySystem = new WeakMap<AnySystem, unknown>();

/** Creates the flow's actor (as xstate's `createActor`), its effects bound to its system. */
export function createFlowActor<TMachine extends AnyStateMachine>(
  flow: Flow<TMachine>,
  options?: ActorOptions<TMachine>,
): Actor<TMachine> {
  const actor = createActor(flow.machine as AnyStateMachine, options as ActorOptions<AnyStateMachine>);
  effectsBySystem.set(actor.system, flow.effects);
  return actor as Actor<TMachine>;
}

/** The effects of the run `system` belongs to. */
export function effectsOf<TEffects>(system: AnySystem): TEffects {
  if (!effectsBySystem.has(system)) {
    // A programming error, not a sign-in failure: the machine was started with createActor.
    throw new AuthFlowError({
      code: 'internal',
      message: 'This flow actor has no effects: create it with createFlowActor, not createActor.',
    });
  }
  return effectsBySystem.get(system) as TEffects;
}

/**
 * A promise actor that runs with its run's effects: `effect<Effects>()((fx, input, signal) => ...)`.
 * The same `fromPromise` xstate tests and diagrams see, provided once.
 */
export const effect =
  <TEffects>() =>
  <TOutput, TInput>(run: (effects: TEffects, input: TInput, signal: AbortSignal) => PromiseLike<TOutput>) =>
    fromPromise<TOutput, TInput>(({ input, signal, system }) => run(effectsOf<TEffects>(system), input, signal));
