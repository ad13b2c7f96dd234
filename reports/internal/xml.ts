import { printable } from "./text.ts";

/**
 * XML 1.0 forbids most C0 controls even as character references (&#x1b; is not well-formed), and
 * raw provider bytes contain them, so those become visible `\x1b` text first (printable), then the
 * five markup characters are escaped. A newline inside a field becomes `\n` like any other raw
 * byte; only the breaks between the lines of a multi-line body are real.
 */
export function xmlLines(lines: readonly string[]): string {
  return lines.map((line) => escapeMarkup(printable(line))).join("\n");
}

export function xmlAttr(text: string): string {
  return escapeMarkup(printable(text));
}

function escapeMarkup(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}
