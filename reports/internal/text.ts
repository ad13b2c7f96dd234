import { redactText } from "../../lib/redact.ts";

/**
 * Text that came off the wire (evidence, timeline details) or from users (titles) goes through
 * `printable` before any reporter shows it: raw provider bytes carry \r, NUL and ESC, and an ESC
 * reaching a terminal is a control sequence, not a character. Checks are asked to JSON-escape bytes
 * already, so backslashes are left alone: `\r\n` written by a check and a raw CRLF end up looking
 * the same, which is the point. Secrets are masked on the way (lib/redact.ts): the
 * harness masked them in the results already, this is the last line for a RunResult from elsewhere.
 */
// C0 and C1 controls, DEL, line/paragraph separators, bidi overrides (they reorder what a reader
// sees: "Trojan Source"), the BOM, and lone surrogates (not encodable as UTF-8 or XML).
const UNPRINTABLE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { "\r": "\\r", "\n": "\\n", "\t": "\\t", "\0": "\\0" };

export function printable(text: string): string {
  return redactText(text).replace(UNPRINTABLE, (ch) => {
    const named = NAMED[ch];
    if (named) return named;
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
  });
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, "0");
}

/** Cuts to at most `max` code points, ending in `ellipsis` when cut; never splits a surrogate pair. */
export function truncate(text: string, max: number, ellipsis = "…"): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  const keep = Math.max(0, max - Array.from(ellipsis).length);
  return points.slice(0, keep).join("") + ellipsis;
}

/** Length in code points (what a monospace terminal mostly shows as columns). */
export function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function padEnd(text: string, size: number): string {
  const w = width(text);
  return w >= size ? text : text + " ".repeat(size - w);
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, "0")}s`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** First `units` UTF-16 units, one fewer if that would split a surrogate pair. */
export function sliceUnits(text: string, units: number): string {
  if (text.length <= units) return text;
  const code = text.charCodeAt(units - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? units - 1 : units);
}

/**
 * Hard-wraps one line into pieces of at most `size` columns, at most `maxLines` of them, the last
 * ending in `ellipsis` when text was left over. Evidence bytes have no spaces to break at, so it
 * breaks anywhere except inside an escape like `\x1b` or `\r`, which must stay readable.
 */
export function hardWrap(text: string, size: number, maxLines: number, ellipsis = "…"): string[] {
  const tokens = text.match(/\\(?:x[0-9a-f]{2}|u[0-9a-f]{4}|[\s\S])|[\s\S]/gu) ?? [];
  const lines: string[] = [];
  let current = "";
  let used = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    const w = width(token);
    if (used + w > size && used > 0) {
      if (lines.length === maxLines - 1) {
        lines.push(truncate(current + tokens.slice(i).join(""), size, ellipsis));
        return lines;
      }
      lines.push(current);
      current = "";
      used = 0;
    }
    current += token;
    used += w;
  }
  lines.push(current);
  return lines;
}

/** Joins parts with `sep` into lines no wider than `size`, breaking only between parts. */
export function joinWrapped(parts: readonly string[], sep: string, size: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const part of parts) {
    const next = current ? current + sep + part : part;
    if (current && width(next) > size) {
      lines.push(current);
      current = part;
    } else {
      current = next;
    }
  }
  if (current) lines.push(current);
  return lines;
}

/** Greedy word wrap to `size` columns, at most `maxLines` lines (the last cut with `ellipsis`). */
export function wordWrap(text: string, size: number, maxLines: number, ellipsis = "…"): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    const next = current ? `${current} ${word}` : word;
    if (width(next) <= size || !current) {
      current = next;
      continue;
    }
    lines.push(current);
    current = word;
  }
  lines.push(current);
  const fitted = lines.flatMap((line) =>
    width(line) > size ? hardWrap(line, size, Number.MAX_SAFE_INTEGER) : [line],
  );
  if (fitted.length <= maxLines) return fitted;
  const kept = fitted.slice(0, maxLines);
  kept[maxLines - 1] = truncate(`${kept[maxLines - 1]} ${fitted[maxLines]}`, size, ellipsis);
  return kept;
}
