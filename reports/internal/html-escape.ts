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
