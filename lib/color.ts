/**
 * Whether to write ANSI colors, as Node itself decides (tty.WriteStream#getColorDepth) and the
 * ecosystem follows (chalk, vitest): FORCE_COLOR first, whatever the stream is, since CI logs are
 * no terminal but show colors (GitHub Actions, GitLab): "", "1", "true", "2", "3" turn them on, any
 * other value ("0", "false") off. Without it, NO_COLOR (any non-empty value, https://no-color.org),
 * NODE_DISABLE_COLORS and TERM=dumb turn them off, and a terminal turns them on.
 */
export function colorFromEnv(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return ["", "1", "true", "2", "3"].includes(force.trim());
  if (env.NO_COLOR || env.NODE_DISABLE_COLORS !== undefined || env.TERM === "dumb") return false;
  return isTTY;
}
