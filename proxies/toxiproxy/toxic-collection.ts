import {
  ErrBadRequestBody,
  ErrInvalidStream,
  ErrInvalidToxicType,
  ErrToxicAlreadyExists,
  ErrToxicNotFound,
} from "./api/api-error.ts";
import {
  decodeField,
  decodeFirstValue,
  type FieldKind,
  fieldFor,
  type GoJson,
  GoJsonError,
  goFloat32,
  goString,
  isGoObject,
  kindOf,
} from "./api/go-json.ts";
import type { ChainEntry, Direction, ToxicLink } from "./link.ts";
import { type ToxicDefinition, toxicDefinition } from "./toxics/index.ts";

/** One configured toxic of a proxy, as the API shows it. */
export interface ToxicEntry extends ChainEntry {
  readonly name: string;
  readonly type: string;
  /** As the client sent it (upstream echoes "UPSTREAM" verbatim and lowercases only to parse it). */
  readonly stream: string;
  readonly direction: Direction;
}

const WRAPPER_FIELDS = ["name", "type", "stream", "toxicity", "attributes"] as const;
const WRAPPER_KINDS: Record<Exclude<(typeof WRAPPER_FIELDS)[number], "attributes">, FieldKind> = {
  name: "string",
  type: "string",
  stream: "string",
  toxicity: "float32",
};

/**
 * A proxy's toxics (upstream's ToxicCollection): one chain per direction, in the order added, and the
 * live links they apply to. Changes are serialised and reach every live connection before the API
 * answers, as upstream's collection lock does.
 */
export class ToxicCollection {
  readonly #chains: Record<Direction, ToxicEntry[]> = { upstream: [], downstream: [] };
  readonly #links = new Set<ToxicLink>();
  #queue: Promise<unknown> = Promise.resolve();

  /** Upstream lists upstream toxics first, then downstream ones. */
  list(): ToxicEntry[] {
    return [...this.#chains.upstream, ...this.#chains.downstream];
  }

  find(name: string): ToxicEntry | undefined {
    return this.list().find((toxic) => toxic.name === name);
  }

  chain(direction: Direction): readonly ToxicEntry[] {
    return this.#chains[direction];
  }

  attach(link: ToxicLink): void {
    this.#links.add(link);
  }

  detach(link: ToxicLink): void {
    this.#links.delete(link);
  }

  addJson(body: string): Promise<ToxicEntry> {
    return this.#serialise(async () => {
      const entry = this.#parseNew(body);
      this.#chains[entry.direction].push(entry);
      await Promise.all(this.#linksOf(entry.direction).map((link) => link.addToxic(entry)));
      return entry;
    });
  }

  updateJson(name: string, body: string): Promise<ToxicEntry> {
    return this.#serialise(async () => {
      const current = this.find(name);
      if (!current) throw ErrToxicNotFound;
      const top = decodeBody(body, "toxiproxy.ToxicWrapper");
      let attributes = { ...current.attributes };
      let toxicity = current.toxicity;
      for (const [key, value] of top) {
        const field = fieldFor(key, ["attributes", "toxicity"] as const);
        if (field === "toxicity")
          toxicity = (decodeOrThrow(value, "float32", ".toxicity") as number) ?? toxicity;
        else if (field === "attributes") attributes = decodeAttributes(value, current.definition, attributes);
      }
      const updated: ToxicEntry = { ...current, attributes, toxicity };
      const chain = this.#chains[current.direction];
      const index = chain.indexOf(current);
      chain[index] = updated;
      await Promise.all(this.#linksOf(current.direction).map((link) => link.updateToxic(index, updated)));
      return updated;
    });
  }

  remove(name: string): Promise<void> {
    return this.#serialise(async () => {
      const entry = this.find(name);
      if (!entry) throw ErrToxicNotFound;
      await this.#removeEntry(entry);
    });
  }

  /** Removes every toxic (POST /reset). */
  reset(): Promise<void> {
    return this.#serialise(async () => {
      for (const entry of this.list()) await this.#removeEntry(entry);
    });
  }

  async #removeEntry(entry: ToxicEntry): Promise<void> {
    const chain = this.#chains[entry.direction];
    const index = chain.indexOf(entry);
    chain.splice(index, 1);
    await Promise.all(this.#linksOf(entry.direction).map((link) => link.removeToxic(index)));
  }

  #linksOf(direction: Direction): ToxicLink[] {
    return [...this.#links].filter((link) => link.direction === direction && !link.finished);
  }

  #serialise<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Upstream's order of checks: body, stream, default name, type, duplicate name, attributes. */
  #parseNew(body: string): ToxicEntry {
    const top = decodeBody(body, "toxics.ToxicWrapper");
    const fields: { name: string; type: string; stream: string; toxicity: number } = {
      name: "",
      type: "",
      stream: "downstream",
      toxicity: 1,
    };
    let rawAttributes: GoJson = null;
    for (const [key, value] of top) {
      const field = fieldFor(key, WRAPPER_FIELDS);
      if (field === undefined) continue;
      if (field === "attributes") {
        // Upstream's first pass decodes into a wrapper whose toxic is still a NoopToxic placeholder
        // (the type is not known yet): Go's decoder names that concrete struct, not the interface.
        if (value !== null && !isGoObject(value)) {
          throw ErrBadRequestBody.join(
            `json: cannot unmarshal ${kindOf(value)} into Go struct field ToxicWrapper.attributes of type toxics.NoopToxic`,
          );
        }
        rawAttributes = value;
        continue;
      }
      const decoded = decodeOrThrow(value, WRAPPER_KINDS[field], `ToxicWrapper.${field}`);
      if (decoded !== undefined) (fields as Record<string, unknown>)[field] = decoded;
    }
    const lowered = fields.stream.toLowerCase();
    if (lowered !== "upstream" && lowered !== "downstream") throw ErrInvalidStream;
    const name = fields.name === "" ? `${fields.type}_${fields.stream}` : fields.name;
    const definition = toxicDefinition(fields.type);
    if (!definition) throw ErrInvalidToxicType;
    if (this.find(name)) throw ErrToxicAlreadyExists;
    const attributes = decodeAttributes(rawAttributes, definition, defaultAttributes(definition));
    return {
      name,
      type: fields.type,
      stream: fields.stream,
      direction: lowered,
      toxicity: fields.toxicity,
      definition,
      attributes,
    };
  }
}

/** `{"attributes":{...},"name":..,"type":..,"stream":..,"toxicity":..}`, upstream's key order. */
export function toxicJson(toxic: ToxicEntry): string {
  const attributes = toxic.definition.attributes
    .map(([name]) => `${goString(name)}:${formatInteger(toxic.attributes[name] ?? 0)}`)
    .join(",");
  return (
    `{"attributes":{${attributes}},"name":${goString(toxic.name)},"type":${goString(toxic.type)},` +
    `"stream":${goString(toxic.stream)},"toxicity":${goFloat32(toxic.toxicity)}}`
  );
}

function formatInteger(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : BigInt(Math.trunc(value)).toString();
}

function defaultAttributes(definition: ToxicDefinition): Record<string, number> {
  return Object.fromEntries(definition.attributes.map(([name]) => [name, 0]));
}

function decodeAttributes(
  value: GoJson,
  definition: ToxicDefinition,
  base: Record<string, number>,
): Record<string, number> {
  if (value === null) return base;
  if (!isGoObject(value)) {
    throw ErrBadRequestBody.join(
      `json: cannot unmarshal ${kindOf(value)} into Go struct field .attributes of type toxics.${definition.goStruct}`,
    );
  }
  const attributes = { ...base };
  const names = definition.attributes.map(([name]) => name);
  for (const [key, raw] of value.entries) {
    // Unknown keys are ignored, as Go's decoder does for a typed struct.
    const name = fieldFor(key, names);
    if (name === undefined) continue;
    const kind = definition.attributes.find(([n]) => n === name)![1];
    const decoded = decodeOrThrow(raw, kind, `${definition.goStruct}.attributes.${name}`);
    if (decoded !== undefined) attributes[name] = decoded as number;
  }
  return attributes;
}

/** The body's top-level object entries; null is Go's "decode nothing". */
export function decodeBody(body: string, goType: string): ReadonlyArray<readonly [string, GoJson]> {
  let top: GoJson;
  try {
    top = decodeFirstValue(body);
  } catch (error) {
    throw ErrBadRequestBody.join(error instanceof Error ? error.message : String(error));
  }
  if (top === null) return [];
  if (!isGoObject(top)) {
    throw ErrBadRequestBody.join(`json: cannot unmarshal ${kindOf(top)} into Go value of type ${goType}`);
  }
  return top.entries;
}

export function decodeOrThrow(
  value: GoJson,
  kind: FieldKind,
  where: string,
): string | boolean | number | undefined {
  try {
    return decodeField(value, kind, where);
  } catch (error) {
    if (error instanceof GoJsonError) throw ErrBadRequestBody.join(error.message);
    throw error;
  }
}
