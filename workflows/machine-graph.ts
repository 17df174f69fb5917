// Reads a machine's structure (state nodes and transitions), so diagrams and coverage checks are
// generated from the definition itself and can never drift from it.
import type { AnyStateMachine, AnyStateNode } from 'xstate';

export interface MachineEdge {
  source: string;
  event: string;
  target: string;
}

function stateName(node: AnyStateNode): string {
  return node.path.join('.');
}

/** All state nodes below the root, depth first in document order. */
export function machineStateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const walk = (node: AnyStateNode): AnyStateNode[] =>
    Object.values(node.states).flatMap((child) => [child, ...walk(child)]);
  return walk(machine.root);
}

/**
 * Every (source, event, target) a transition of the machine declares, once each. A targetless
 * transition stays where it is, so it is a self edge (source === target).
 */
export function machineEdges(machine: AnyStateMachine): MachineEdge[] {
  const edges: MachineEdge[] = [];
  const seen = new Set<string>();
  for (const node of machineStateNodes(machine)) {
    for (const [event, definitions] of node.transitions) {
      for (const definition of definitions) {
        const targets: readonly AnyStateNode[] = definition.target?.length ? definition.target : [node];
        for (const targetNode of targets) {
          const edge = { source: stateName(node), event, target: stateName(targetNode) };
          const key = `${edge.source}|${edge.event}|${edge.target}`;
          if (!seen.has(key)) {
            seen.add(key);
            edges.push(edge);
          }
        }
      }
    }
  }
  return edges;
}

export function machineFinalStates(machine: AnyStateMachine): string[] {
  return machineStateNodes(machine)
    .filter((node) => node.type === 'final')
    .map(stateName);
}

export function machineInitialState(machine: AnyStateMachine): string {
  const target = machine.root.initial?.target?.[0];
  if (!target) throw new Error(`Machine ${machine.id} has no initial state`);
  return stateName(target);
}

/** Mermaid `stateDiagram-v2` of a flat machine: initial, every edge (self edges too), finals. */
export function toMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${machineInitialState(machine)}`];
  for (const { source, event, target } of machineEdges(machine))
    lines.push(`  ${source} --> ${target}: ${event}`);
  for (const state of machineFinalStates(machine)) lines.push(`  ${state} --> [*]`);
  return lines.join('\n') + '\n';
}
