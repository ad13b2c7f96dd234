import { createHash } from "node:crypto";
import { readdir, rm, rmdir } from "node:fs/promises";
import { join, resolve } from "node:path";

/**
 * report.html keeps the summary of every result and the body (timeline, checks, hops, events) of
 * the first failures; every other body waits in a script file beside it, loaded when its result
 * is opened. Script files, not fetch(): Chromium refuses fetch() and XHR on file:// pages, and
 * reports are opened from unzipped CI artifacts; a <script src> of a file beside the page works
 * there and over HTTP alike.
 */
export const EVIDENCE_DIR = "report-files";
/** The global each evidence file calls; the page's script defines it. */
export const EVIDENCE_CALLBACK = "streamchaosEvidence";
/**
 * Bodies per file, by size: one file is parsed whole when any of its results is opened, so it
 * stays small enough to be instant (about 5 ms for 256 KiB) while a 500-result catalog makes tens
 * of files, not hundreds, for the CI artifact.
 */
export const EVIDENCE_FILE_BYTES = 256 * 1024;
const FILE_PATTERN = /^evidence-\d{3,}\.js$/;

export interface EvidenceBody {
  /** The result's index in run.results (its element is #r-<index>). */
  index: number;
  html: string;
}

export interface EvidenceFile {
  /** Relative to report.html, with "/" (it is also the script's src). */
  name: string;
  text: string;
}

export interface EvidencePack {
  /** Names this set of files: a page ignores files written for another run (a stale folder). */
  key: string;
  files: EvidenceFile[];
  /** Which file holds each result's body, by result index. */
  fileOf: Map<number, string>;
}

export function evidenceFileName(n: number): string {
  return `${EVIDENCE_DIR}/evidence-${String(n).padStart(3, "0")}.js`;
}

/** Groups bodies in page order into files of about EVIDENCE_FILE_BYTES each. */
export function packEvidence(bodies: readonly EvidenceBody[]): EvidencePack {
  const hash = createHash("sha256");
  for (const body of bodies) hash.update(`${body.index}\u0000${body.html}\u0000`);
  const key = hash.digest("hex").slice(0, 16);
  const groups: EvidenceBody[][] = [];
  let current: EvidenceBody[] = [];
  let size = 0;
  for (const body of bodies) {
    if (current.length > 0 && size + body.html.length > EVIDENCE_FILE_BYTES) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(body);
    size += body.html.length;
  }
  if (current.length > 0) groups.push(current);
  const fileOf = new Map<number, string>();
  const files = groups.map((group, n) => {
    const name = evidenceFileName(n);
    for (const body of group) fileOf.set(body.index, name);
    // JSON is a JavaScript literal (ES2019 and later take U+2028 too); lone surrogates come out as
    // \ud800 escapes. The file is never parsed as HTML, so "</script>" inside it is harmless.
    const entries = group.map((body) => `${JSON.stringify(String(body.index))}:${JSON.stringify(body.html)}`);
    return {
      name,
      text: `/* streamchaos report evidence: opened by report.html beside this folder */\n${EVIDENCE_CALLBACK}(${JSON.stringify(key)},{\n${entries.join(",\n")}\n});\n`,
    };
  });
  return { key, files, fileOf };
}

/**
 * Removes evidence files of an earlier run in outDir that this run did not write (a run with
 * fewer results than the last), and the folder if it ends up empty. Only files named as this
 * module names them are touched.
 */
export async function removeStaleEvidence(outDir: string, written: readonly string[]): Promise<void> {
  const dir = join(resolve(outDir), EVIDENCE_DIR);
  const keep = new Set(written.map((name) => name.slice(EVIDENCE_DIR.length + 1)));
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries) return;
  for (const entry of entries) {
    if (FILE_PATTERN.test(entry) && !keep.has(entry)) await rm(join(dir, entry), { force: true });
  }
  if (keep.size === 0) await rmdir(dir).catch(() => {});
}

/** What an evidence file carries: its key and the bodies by result index (tests read files back). */
export function parseEvidenceFile(text: string): { key: string; bodies: Record<string, string> } {
  const call = `${EVIDENCE_CALLBACK}(`;
  const start = text.indexOf(call);
  const end = text.lastIndexOf(");");
  if (start === -1 || end < start) throw new Error(`not an evidence file: ${text.slice(0, 80)}`);
  const [key, bodies] = JSON.parse(`[${text.slice(start + call.length, end)}]`) as [
    string,
    Record<string, string>,
  ];
  return { key, bodies };
}
