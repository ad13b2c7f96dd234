/**
 * One line per record. INFO goes to stdout, WARN and ERROR to stderr, so a harness that greps the
 * backend's stderr for `ERROR` finds every upstream failure (incident 000: "zero errors in the logs").
 */
export type Level = "INFO" | "WARN" | "ERROR";

export type Fields = Record<string, string | number | boolean | undefined>;

export function log(level: Level, message: string, fields: Fields = {}): void {
  let line = `${new Date().toISOString()} ${level} ${message}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    line += ` ${key}=${/[\s"]/.test(text) ? JSON.stringify(text) : text}`;
  }
  (level === "INFO" ? process.stdout : process.stderr).write(`${line}\n`);
}
