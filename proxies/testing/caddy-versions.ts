/**
 * Caddy before 2.7.6 (PR #5952, "panic when reading from backend failed to propagate stream error")
 * returned normally after "aborting with incomplete response", and Go's server then finished the
 * chunked body cleanly: the client saw `0\r\n\r\n`, the truncation was hidden. Later versions panic
 * with http.ErrAbortHandler and the client sees a cut body.
 */
export function caddyHidesUpstreamAbort(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.-]/).map(Number);
  return major * 10_000 + minor * 100 + patch < 20_706;
}
