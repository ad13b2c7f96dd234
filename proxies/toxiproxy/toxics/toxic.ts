import type { ToxicStub } from "../stream/toxic-stub.ts";

/** Go integer kinds of the upstream attribute structs: they decide what JSON numbers are accepted. */
export type AttributeKind = "int64" | "int";

/**
 * One toxic type (Toxiproxy's `Toxic` interface plus its optional capabilities). A toxic only says
 * how chunks flow through one stub; whether a connection is affected at all (toxicity) is decided by
 * the link, never here.
 */
export interface ToxicDefinition<K extends string = string> {
  readonly type: string;
  /** Upstream's Go struct name, which its decoder errors quote (`LatencyToxic.attributes.latency`). */
  readonly goStruct: string;
  /** Attribute names in the order the upstream struct declares them: that is the JSON key order. */
  readonly attributes: readonly (readonly [name: K, kind: AttributeKind])[];
  /** Chunks the stub's input may hold (upstream's BufferedToxic); default 1. */
  readonly bufferSize?: number;
  /** Per-connection state kept across updates (upstream's StatefulToxic). */
  newState?(): unknown;
  /** Moves chunks from the stub's input to its output until end of stream or interruption. */
  pipe(stub: ToxicStub, attributes: Readonly<Record<K, number>>): Promise<void>;
  /** Runs when the toxic is removed from a live connection (upstream's CleanupToxic). */
  cleanup?(stub: ToxicStub): void;
}

const registry = new Map<string, ToxicDefinition>();

export function registerToxic<K extends string>(definition: ToxicDefinition<K>): ToxicDefinition<K> {
  registry.set(definition.type, definition as unknown as ToxicDefinition);
  return definition;
}

export function toxicDefinition(type: string): ToxicDefinition | undefined {
  return registry.get(type);
}

export function toxicTypeNames(): string[] {
  return [...registry.keys()];
}
