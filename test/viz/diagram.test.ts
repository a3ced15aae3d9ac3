/**
 * The diagrams read: every guard is on its DOT edge, CANCEL and the error/timeout edges into `failed` are
 * drawn once each (a note) instead of one arrow per state, the happy path is the heavy line through every
 * state the flow normally passes, and the `xstate` export is a machine XState (and Stately's tools) load
 * with the same states and transitions.
 */

import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { machinesByName } from '../../machines/index.js';
import { machineGraph, renderDiagram } from '../../src/viz/diagram.js';

const names = Object.keys(machinesByName) as Array<keyof typeof machinesByName>;

describe('diagrams you can read', () => {
  it.each(names)('%s: every guard of the machine is on a DOT edge', (name) => {
    const machine = machinesByName[name];
    const dot = renderDiagram(machine, 'dot');
    for (const t of machineGraph(machine).transitions) {
      if (t.guard) expect(dot).toContain(`${t.event} [${t.guard}]`);
    }
  });

  it('authorization code: CANCEL and the faults are one note each, the happy path is the heavy line', () => {
    const dot = renderDiagram(machinesByName['authorization-code'], 'dot');
    expect(dot.match(/-> cancelled/g)).toHaveLength(1);
    expect(dot).toContain('__cancel -> cancelled [style=dashed]');
    expect(dot).toContain('__fault -> failed [style=dashed]');
    expect(dot).not.toMatch(/\w+ -> failed \[label="(error|after) /);
    // A guard's refusal keeps its own edge: it says something the notes do not.
    expect(dot).toMatch(/awaitingCallback -> failed \[label="[^"]*CALLBACK \[isStateMismatch\]/);
    const heavy = dot
      .split('\n')
      .filter((line) => line.endsWith('penwidth=2];'))
      .map((line) => line.trim().split(' ').slice(0, 3).join(' ').replace(' -> ', '>'));
    expect(heavy).toEqual([
      'idle>discovering',
      'discovering>redirectingToIdp',
      'redirectingToIdp>awaitingCallback',
      'awaitingCallback>exchangingCode',
      'exchangingCode>validatingIdToken',
      'validatingIdToken>inspectingToken',
      'inspectingToken>authenticated',
    ]);
  });

  it.each(names)('%s: the xstate export loads as a machine with the same states and transitions', (name) => {
    const machine = machinesByName[name];
    const code = renderDiagram(machine, 'xstate');
    expect(code).toContain("import { createMachine } from 'xstate';");
    const config = JSON.parse(
      code.slice(code.indexOf('createMachine(') + 'createMachine('.length, code.lastIndexOf(');')),
    );
    const loaded = createMachine(config);
    const ours = machineGraph(machine);
    const theirs = machineGraph(loaded);
    expect(theirs.states.map((s) => s.id)).toEqual(ours.states.map((s) => s.id));
    expect(theirs.transitions).toEqual(ours.transitions);
  });
});
