// The parts of n3 (untyped) that the conformance check uses.
declare module 'n3' {
  export interface Term {
    value: string;
    termType: string;
  }
  export interface Quad {
    subject: Term;
    predicate: Term;
    object: Term;
    graph: Term;
  }
  export class Parser {
    constructor(options?: { format?: string });
    parse(input: string): Quad[];
  }
  export class Store {
    constructor(quads?: Quad[]);
    readonly size: number;
    getQuads(subject: unknown, predicate: unknown, object: unknown, graph: unknown): Quad[];
  }
}
