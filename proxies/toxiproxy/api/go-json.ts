/**
 * Just enough of Go's encoding/json for byte-compatible answers: upstream decodes request bodies with
 * json.Decoder into typed structs, so clients see Go's own error texts ("bad request body: EOF",
 * "invalid character 'x' looking for beginning of value", "json: cannot unmarshal string into Go
 * struct field ...") and Go's float32/HTML-escaped output. A decoder reads the first value only and
 * ignores what follows it.
 */

export type GoJson = string | boolean | null | GoNumber | GoJson[] | GoObject;
/** Keys in document order; duplicates kept (Go applies them in order, the last wins). */
export type GoObject = { readonly entries: ReadonlyArray<readonly [string, GoJson]> };

export class GoNumber {
  constructor(readonly raw: string) {}
  get value(): number {
    return Number(this.raw);
  }
}

export class GoJsonError extends Error {}

export function isGoObject(value: GoJson): value is GoObject {
  return typeof value === "object" && value !== null && !(value instanceof GoNumber) && !Array.isArray(value);
}

/** Parses the first JSON value of `text` the way json.Decoder.Decode does, or throws Go's message. */
export function decodeFirstValue(text: string): GoJson {
  const parser = new Parser(text);
  parser.skipSpace();
  if (parser.atEnd()) throw new GoJsonError("EOF");
  return parser.value();
}

class Parser {
  #pos = 0;
  constructor(readonly text: string) {}

  atEnd(): boolean {
    return this.#pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.#pos < this.text.length && " \t\r\n".includes(this.text[this.#pos]!)) this.#pos++;
  }

  #peek(): string {
    this.skipSpace();
    if (this.atEnd()) throw new GoJsonError("unexpected EOF");
    return this.text[this.#pos]!;
  }

  #fail(char: string, context: string): never {
    throw new GoJsonError(`invalid character ${quoteChar(char)} ${context}`);
  }

  value(): GoJson {
    const char = this.#peek();
    if (char === "{") return this.#object();
    if (char === "[") return this.#array();
    if (char === '"') return this.#string();
    if (char === "-" || (char >= "0" && char <= "9")) return this.#number();
    if (char === "t") return this.#literal("true", true);
    if (char === "f") return this.#literal("false", false);
    if (char === "n") return this.#literal("null", null);
    this.#fail(char, "looking for beginning of value");
  }

  #object(): GoObject {
    this.#pos++;
    const entries: Array<readonly [string, GoJson]> = [];
    let char = this.#peek();
    if (char === "}") {
      this.#pos++;
      return { entries };
    }
    for (;;) {
      if (char !== '"') this.#fail(char, "looking for beginning of object key string");
      const key = this.#string();
      char = this.#peek();
      if (char !== ":") this.#fail(char, "after object key");
      this.#pos++;
      entries.push([key, this.value()]);
      char = this.#peek();
      this.#pos++;
      if (char === "}") return { entries };
      if (char !== ",") this.#fail(char, "after object key:value pair");
      char = this.#peek();
    }
  }

  #array(): GoJson[] {
    this.#pos++;
    const items: GoJson[] = [];
    if (this.#peek() === "]") {
      this.#pos++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      const char = this.#peek();
      this.#pos++;
      if (char === "]") return items;
      if (char !== ",") this.#fail(char, "after array element");
    }
  }

  #string(): string {
    const start = this.#pos;
    this.#pos++;
    for (;;) {
      if (this.atEnd()) throw new GoJsonError("unexpected EOF");
      const char = this.text[this.#pos]!;
      if (char === '"') break;
      if (char < " ") this.#fail(char, "in string literal");
      if (char === "\\") {
        this.#pos++;
        if (this.atEnd()) throw new GoJsonError("unexpected EOF");
        const escaped = this.text[this.#pos]!;
        if (escaped === "u") {
          for (let i = 1; i <= 4; i++) {
            const hex = this.text[this.#pos + i];
            if (hex === undefined) throw new GoJsonError("unexpected EOF");
            if (!/[0-9a-fA-F]/.test(hex)) {
              this.#pos += i;
              this.#fail(hex, "in \\u hexadecimal character escape");
            }
          }
          this.#pos += 4;
        } else if (!'"\\/bfnrt'.includes(escaped)) {
          this.#fail(escaped, "in string escape code");
        }
      }
      this.#pos++;
    }
    this.#pos++;
    return JSON.parse(this.text.slice(start, this.#pos)) as string;
  }

  #number(): GoNumber {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(this.text.slice(this.#pos));
    if (!match || match[0] === "-") {
      const bad = this.text[this.#pos + 1];
      if (bad === undefined) throw new GoJsonError("unexpected EOF");
      this.#pos++;
      this.#fail(bad, "in numeric literal");
    }
    const raw = match[0];
    const after = this.text[this.#pos + raw.length];
    // "1." or "1e" without digits: Go names the offending character.
    if (after === ".") {
      const next = this.text[this.#pos + raw.length + 1];
      if (next === undefined) throw new GoJsonError("unexpected EOF");
      this.#fail(next, "after decimal point in numeric literal");
    }
    if (after === "e" || after === "E") {
      let at = this.#pos + raw.length + 1;
      if (this.text[at] === "+" || this.text[at] === "-") at++;
      const next = this.text[at];
      if (next === undefined) throw new GoJsonError("unexpected EOF");
      this.#fail(next, "in exponent of numeric literal");
    }
    this.#pos += raw.length;
    return new GoNumber(raw);
  }

  #literal(word: string, value: boolean | null): boolean | null {
    for (let i = 0; i < word.length; i++) {
      const char = this.text[this.#pos + i];
      if (char === undefined) throw new GoJsonError("unexpected EOF");
      if (char !== word[i]) {
        this.#pos += i;
        this.#fail(char, `in literal ${word} (expecting ${quoteChar(word[i]!)})`);
      }
    }
    this.#pos += word.length;
    return value;
  }
}

function quoteChar(char: string): string {
  if (char === "'") return "'\\''";
  if (char === '"') return "'\"'";
  const json = JSON.stringify(char);
  return `'${json.slice(1, -1)}'`;
}

/** Go's name for a JSON value's kind in "cannot unmarshal X into ..." messages. */
export function kindOf(value: GoJson): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (value instanceof GoNumber) return "number";
  if (Array.isArray(value)) return "array";
  return "object";
}

export type FieldKind = "string" | "bool" | "float32" | "int64" | "int";

const INT_RANGE: Record<"int64" | "int", bigint> = { int64: 2n ** 63n, int: 2n ** 63n };
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Converts one value for a Go struct field; null leaves the field as it was (undefined here).
 * `where` is Go's "Struct.path" for the error text.
 */
export function decodeField(
  value: GoJson,
  kind: FieldKind,
  where: string,
): string | boolean | number | undefined {
  if (value === null) return undefined;
  const mismatch = (what: string) =>
    new GoJsonError(`json: cannot unmarshal ${what} into Go struct field ${where} of type ${kind}`);
  if (kind === "string") {
    if (typeof value !== "string") throw mismatch(kindOf(value));
    return value;
  }
  if (kind === "bool") {
    if (typeof value !== "boolean") throw mismatch(kindOf(value));
    return value;
  }
  if (!(value instanceof GoNumber)) throw mismatch(kindOf(value));
  if (kind === "float32") {
    if (Math.abs(value.value) > FLOAT32_MAX) throw mismatch(`number ${value.raw}`);
    return Math.fround(value.value);
  }
  if (!/^-?\d+$/.test(value.raw)) throw mismatch(`number ${value.raw}`);
  const big = BigInt(value.raw);
  if (big >= INT_RANGE[kind] || big < -INT_RANGE[kind]) throw mismatch(`number ${value.raw}`);
  return Number(big);
}

/** Go matches JSON keys to struct fields exactly first, then case-insensitively. */
export function fieldFor<T extends string>(key: string, fields: readonly T[]): T | undefined {
  const exact = fields.find((field) => field === key);
  if (exact !== undefined) return exact;
  const lower = key.toLowerCase();
  return fields.find((field) => field.toLowerCase() === lower);
}

/** A JSON string the way Go's encoder writes it: <, > and & escaped for HTML safety. */
export function goString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** A float32 the way Go's encoder writes it: the shortest decimal that reads back as the same float32. */
export function goFloat32(value: number): string {
  const f = Math.fround(value);
  if (!Number.isFinite(f)) return String(f);
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = Number(f.toPrecision(precision));
    if (Math.fround(candidate) === f) return String(candidate);
  }
  return String(f);
}
