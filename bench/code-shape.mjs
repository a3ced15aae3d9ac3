// xstate's floor for the code flow: the machine's shape without our code, for bench/engine.mjs (time per
// complete flow) and bench/peers-child.mjs (heap per pending flow).
import { fromPromise, setup } from 'xstate';

/**
 * xstate's floor for the code flow's shape: its states (idle, discovering, redirectingToIdp,
 * awaitingCallback, exchangingCode, validatingIdToken, inspectingToken, a final state) with the same five
 * promise actors answering at once, the same timeouts and the callback, but no context, guards or actions.
 */
const answered = fromPromise(async () => null);
const step = (next) => ({
  invoke: { src: 'answered', onDone: next, onError: 'failed' },
  after: { 15000: 'failed' },
  on: { CANCEL: 'failed' },
});
export const codeShape = setup({ actors: { answered } }).createMachine({
  initial: 'idle',
  states: {
    idle: { on: { START: 'discovering' } },
    discovering: step('redirectingToIdp'),
    redirectingToIdp: step('awaitingCallback'),
    awaitingCallback: { after: { 300000: 'failed' }, on: { CALLBACK: 'exchangingCode', CANCEL: 'failed' } },
    exchangingCode: step('validatingIdToken'),
    validatingIdToken: step('inspectingToken'),
    inspectingToken: step('authenticated'),
    authenticated: { type: 'final', output: { status: 'signedIn' } },
    failed: { type: 'final', output: { status: 'failed' } },
  },
  output: ({ event }) => event.output,
});
