import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { StreamchaosError } from "../../lib/errors.ts";
import type { Placement } from "../faults/fault.ts";
import { faults } from "../faults/registry.ts";
import type { ScriptIssue } from "../types.ts";
import type { Cassette } from "./cassette.ts";
import { cassetteFromJson, loadCassetteSync } from "./load.ts";
import { recordingOf } from "./recording.ts";

/** A script's `content.cassette`: a path (relative to `baseDir`), a `file:` URL, or the cassette itself. */
export function cassettePath(value: string | URL, baseDir: string): string {
  if (value instanceof URL || value.startsWith("file:")) return fileURLToPath(value);
  return isAbsolute(value) ? value : resolve(baseDir, value);
}

/** Reads the cassette a script names, or the issue that says why it cannot be replayed. */
export function readScriptCassette(
  value: unknown,
  baseDir: string,
): { cassette: Cassette } | { issue: ScriptIssue } {
  const field = "content.cassette";
  try {
    if (typeof value === "string" || value instanceof URL)
      return { cassette: loadCassetteSync(cassettePath(value, baseDir)) };
    if (typeof value === "object" && value !== null) return { cassette: cassetteFromJson(value, "inline") };
  } catch (error) {
    if (!(error instanceof StreamchaosError)) throw error;
    const message = [`${error.what}: ${error.why ?? ""}`.replace(/: $/, ""), error.fix]
      .filter(Boolean)
      .join(". ");
    return { issue: { field, message } };
  }
  return {
    issue: {
      field,
      message: "must be the path of a .cassette.json file (or the cassette itself, as JSON)",
    },
  };
}

/** The parts of a script a replay looks at (the shape checkScript has validated). */
export interface ReplayedScript {
  content?: Record<string, unknown>;
  finishReason?: unknown;
  usage?: unknown;
  faults?: Array<{ fault: string; at?: unknown }>;
}

const SYNTHESIZED = ["text", "tokens", "chunks", "chunkSize", "toolCalls", "thinking"];

/**
 * What stands in the way of replaying `cassette` with the rest of `script`: content to synthesize
 * beside it, a recording with nothing to serve, and every fault step that cannot apply to recorded
 * bytes or is placed beyond them (naming the recording's size).
 */
export function checkReplay(script: ReplayedScript, cassette: Cassette): ScriptIssue[] {
  const issues: ScriptIssue[] = [];
  const given = SYNTHESIZED.filter((key) => script.content?.[key] !== undefined);
  if (given.length > 0) {
    issues.push({
      field: `content.${given[0]}`,
      message: `a cassette replays its recorded body: give no ${SYNTHESIZED.join(", ")} with it`,
    });
  }
  for (const key of ["finishReason", "usage"] as const) {
    if (script[key] !== undefined) {
      issues.push({
        field: key,
        message: "the recording has its own; leave it out when replaying a cassette",
      });
    }
  }
  if (!cassette.response) {
    issues.push({
      field: "content.cassette",
      message: `the recording has no response (it ended ${cassette.end.how}${cassette.end.error ? `: ${cassette.end.error}` : ""}), so there is nothing to replay; script that failure instead, e.g. {"fault": "reset-before-headers"}`,
    });
    return issues;
  }
  if (cassette.provider === "unknown") {
    issues.push({
      field: "content.cassette",
      message:
        'its provider is "unknown": a replay must know whose route it answers and whose error events a fault writes. Import it again with --provider NAME, or set "provider" in the file',
    });
    return issues;
  }
  const recording = recordingOf(cassette);
  for (const [i, step] of (script.faults ?? []).entries()) {
    const definition = Object.hasOwn(faults, step.fault) ? faults[step.fault] : undefined;
    if (!definition) continue;
    if (!definition.fire && !definition.transform) {
      issues.push({
        field: `faults[${i}].fault`,
        message: `${step.fault} changes what the codec synthesizes, and a replay sends recorded bytes; edit the cassette, or cut it short with {"fault": "fin", "at": {"phase": "after-finish"}}`,
      });
      continue;
    }
    const at = (step.at as Placement | undefined) ?? { phase: definition.defaultPhase };
    const place = recording.place(at);
    if ("error" in place) issues.push({ field: `faults[${i}].at`, message: place.error });
  }
  return issues;
}
