import type { Cassette } from "./cassette.ts";

/**
 * A cassette as people read it in a diff: indented like `JSON.stringify(c, null, 2)`, except that
 * an object or array holding only plain values (a header pair, a write, the request body) stays on
 * one line, so a stream reads one write per line.
 */
export function formatCassette(cassette: Cassette): string {
  return `${format(cassette, "")}\n`;
}

function format(value: unknown, indent: string): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const entries: Array<[string | undefined, unknown]> = Array.isArray(value)
    ? value.map((item) => [undefined, item])
    : Object.entries(value).filter(([, v]) => v !== undefined);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return `${open}${close}`;
  const key = (k: string | undefined) => (k === undefined ? "" : `${JSON.stringify(k)}: `);
  if (entries.every(([, v]) => v === null || typeof v !== "object")) {
    return `${open}${entries.map(([k, v]) => `${key(k)}${JSON.stringify(v)}`).join(", ")}${close}`;
  }
  const inner = `${indent}  `;
  const lines = entries.map(([k, v]) => `${inner}${key(k)}${format(v, inner)}`);
  return `${open}\n${lines.join(",\n")}\n${indent}${close}`;
}
