import { redactText } from "../../lib/redact.ts";
import { printable } from "./text.ts";

/**
 * Everything interpolated into report.html goes through here: evidence holds raw provider bytes
 * and scenario text is user input, so `<`, quotes and `&` become entities (safe in element text
 * and in quoted attribute values) and control bytes become visible `\x1b` text first.
 */
export function esc(text: string | number): string {
  return printable(String(text))
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * Bytes off the wire as text a person reads: each control byte shown once, as `\r`, `\n`, `\x1b`
 * in a marked span (not escaped again), and a line break after each `\n`, so an SSE stream reads
 * as its lines. Everything else is escaped once, like esc().
 */
export function bytesHtml(text: string): string {
  let out = "";
  for (const ch of redactText(text)) {
    const shown = printable(ch);
    if (shown === ch) out += esc(ch);
    else out += `<span class="cc">${esc(shown)}</span>${ch === "\n" ? "\n" : ""}`;
  }
  return out;
}
