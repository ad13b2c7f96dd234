/** One line per record, INFO on stdout, ERROR on stderr (the backends' format). */
export function log(level: "INFO" | "ERROR", message: string, fields: Record<string, string> = {}): void {
  let line = `${new Date().toISOString()} ${level} ${message}`;
  for (const [key, value] of Object.entries(fields)) line += ` ${key}=${JSON.stringify(value)}`;
  (level === "INFO" ? process.stdout : process.stderr).write(`${line}\n`);
}
