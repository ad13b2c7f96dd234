/**
 * Line-preserving rewrite of an nginx.conf so it runs as an unprivileged, private, foreground process:
 * directives that would touch system paths or daemonize are blanked in place and ours are inserted on
 * existing lines, so every line number nginx reports still points at the same line of the user's file.
 */

/** Directives we own; the user's are removed (nginx rejects most of them as duplicates). */
const OWNED = new Set([
  "daemon",
  // Without a master there is no "start worker processes" line to wait for, and no group to stop.
  "master_process",
  "pid",
  "user",
  "error_log",
  "access_log",
  "lock_file",
  "working_directory",
  "client_body_temp_path",
  "proxy_temp_path",
  "fastcgi_temp_path",
  "uwsgi_temp_path",
  "scgi_temp_path",
]);

interface Statement {
  words: Array<{ text: string; start: number; end: number }>;
  /** Offset just past the terminating `;` or `{`. */
  end: number;
  terminator: ";" | "{";
  depth: number;
}

/** A minimal nginx lexer: words (bare or quoted), `;`, `{`, `}`, `#` comments. */
function statements(text: string): Statement[] {
  const out: Statement[] = [];
  let words: Statement["words"] = [];
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === ";" || c === "{") {
      out.push({ words, end: i + 1, terminator: c, depth });
      words = [];
      if (c === "{") depth++;
      i++;
    } else if (c === "}") {
      words = [];
      depth = Math.max(0, depth - 1);
      i++;
    } else {
      const start = i;
      if (c === '"' || c === "'") {
        i++;
        while (i < text.length && text[i] !== c) i += text[i] === "\\" ? 2 : 1;
        i++;
      } else {
        while (i < text.length && !/[\s;{}]/.test(text[i]!)) i += text[i] === "\\" ? 2 : 1;
      }
      words.push({ text: text.slice(start, i), start, end: i });
    }
  }
  return out;
}

export interface NginxRewriteOptions {
  /** Private dir for pid and temp paths. */
  dir: string;
  /** Directory of the user's file, to make relative `include`s absolute (nginx resolves them against -c's dir). */
  includeBase?: string;
}

const ACCESS_FORMAT =
  '\'$remote_addr "$request" status=$status sent=$body_bytes_sent rt=$request_time ' +
  "upstream_status=$upstream_status urt=$upstream_response_time'";

export function rewriteNginxConf(text: string, options: NginxRewriteOptions): string {
  const { dir } = options;
  const edits: Array<{ start: number; end: number; replacement: string }> = [];
  let httpBrace: number | undefined;
  for (const statement of statements(text)) {
    const name = statement.words[0];
    if (!name) continue;
    if (statement.terminator === ";" && OWNED.has(name.text)) {
      // Keep the newlines so a multi-line directive does not shift the lines after it.
      const span = text.slice(name.start, statement.end);
      edits.push({ start: name.start, end: statement.end, replacement: span.replace(/[^\n]/g, "") });
    } else if (name.text === "include" && options.includeBase && statement.words[1]) {
      const target = statement.words[1];
      const unquoted = target.text.replace(/^["']|["']$/g, "");
      if (!unquoted.startsWith("/")) {
        edits.push({
          start: target.start,
          end: target.end,
          replacement: `"${options.includeBase}/${unquoted}"`,
        });
      }
    } else if (
      statement.terminator === "{" &&
      statement.depth === 0 &&
      name.text === "http" &&
      httpBrace === undefined
    ) {
      httpBrace = statement.end;
    }
  }
  if (httpBrace !== undefined) {
    const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
      .map((kind) => `${kind}_temp_path ${dir}/${kind};`)
      .join(" ");
    // A file, not /dev/stdout: Node gives children a socketpair and nginx's open() of it fails (ENXIO).
    edits.push({
      start: httpBrace,
      end: httpBrace,
      replacement: ` log_format streamchaos_access ${ACCESS_FORMAT}; access_log ${dir}/access.log streamchaos_access; ${temp}`,
    });
  }
  // `info` is the level at which nginx logs client aborts and "upstream prematurely closed" lines.
  edits.push({ start: 0, end: 0, replacement: `daemon off; pid ${dir}/nginx.pid; error_log stderr info; ` });
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.replacement + out.slice(edit.end);
  }
  return out;
}
