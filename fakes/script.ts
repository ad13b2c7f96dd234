import { z } from "zod";
import { UserError } from "../lib/errors.ts";
import type { Cassette } from "./cassettes/cassette.ts";
import { checkReplay, readScriptCassette } from "./cassettes/replay-check.ts";
import type { Phase, Placement } from "./faults/fault.ts";
import { faults } from "./faults/registry.ts";
import { splitWords } from "./providers/shared.ts";
import type { FinishReason, ScriptIssue, ToolCall } from "./types.ts";

export type { ScriptIssue };

/**
 * A script: one fake response, provider-neutral, plain JSON. The same script renders in every
 * provider's format; faults are steps placed at a phase, an event index or a byte offset.
 */
export interface ScriptContent {
  /** Split into tokens (words with their leading space). */
  text?: string;
  tokens?: string[];
  /** Synthesize `chunks` tokens of `chunkSize` bytes each (large bodies, e.g. 90 KB). */
  chunks?: number;
  chunkSize?: number;
  /** Function calls after the text (openai `tool_calls`, anthropic `tool_use`); finishReason defaults to tool_calls. */
  toolCalls?: ToolCall[];
  /** Reasoning before the text (anthropic's thinking block). */
  thinking?: string;
  /**
   * Replay a recorded exchange instead (fakes/cassettes/): the cassette's path, resolved against
   * the directory the script was read from (a script file's, a scenario file's, the fake's working
   * directory for the admin API), or the cassette itself. Validated scripts hold the cassette.
   */
  cassette?: string | Cassette;
}

export interface ScriptPacing {
  /** Before the status line. */
  headersDelayMs?: number;
  /** From headers to the first content event. */
  firstTokenMs?: number;
  /** Between events from the first content on. */
  intervalMs?: number;
  /** Alternative to intervalMs: 1000 / tokensPerSecond. */
  tokensPerSecond?: number;
  /** Uniform 0..jitterMs added to each scheduled event, from a seeded generator. */
  jitterMs?: number;
  seed?: number;
}

export interface FaultStep {
  fault: string;
  at?: Placement;
  [param: string]: unknown;
}

export interface Script {
  name?: string;
  content?: ScriptContent;
  pacing?: ScriptPacing;
  finishReason?: FinishReason;
  usage?: { promptTokens?: number; completionTokens?: number };
  faults?: FaultStep[];
}

export type { Phase, Placement };

export const PHASES = ["pre-stream", "mid-stream", "after-finish", "after-terminator"] as const;
export const FINISH_REASONS = ["stop", "length", "tool_calls", "content_filter"] as const;

const ms = z.number().int().nonnegative();
const placementSchema = z.union([
  z.strictObject({ phase: z.enum(PHASES) }),
  z.strictObject({ event: z.number().int().nonnegative() }),
  z.strictObject({ token: z.number().int().nonnegative() }),
  z.strictObject({ byte: z.number().int().nonnegative() }),
  z.strictObject({ ms: z.number().nonnegative() }),
]);

const jsonText = z.string().refine(
  (text) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be JSON text, e.g. "{"city": "Paris"}"' },
);

const scriptSchema = z.strictObject({
  name: z.string().min(1).optional(),
  content: z
    .strictObject({
      text: z.string().optional(),
      tokens: z.array(z.string()).optional(),
      chunks: z.number().int().nonnegative().max(10_000_000).optional(),
      chunkSize: z.number().int().positive().max(1_000_000).optional(),
      toolCalls: z
        .array(
          z.strictObject({ name: z.string().min(1), arguments: jsonText, id: z.string().min(1).optional() }),
        )
        .optional(),
      thinking: z.string().optional(),
      cassette: z.unknown().optional(),
    })
    .optional(),
  pacing: z
    .strictObject({
      headersDelayMs: ms.optional(),
      firstTokenMs: ms.optional(),
      intervalMs: ms.optional(),
      tokensPerSecond: z.number().positive().optional(),
      jitterMs: ms.optional(),
      seed: z.number().int().optional(),
    })
    .optional(),
  finishReason: z.enum(FINISH_REASONS).optional(),
  usage: z.strictObject({ promptTokens: ms.optional(), completionTokens: ms.optional() }).optional(),
  faults: z.array(z.looseObject({ fault: z.string(), at: z.unknown().optional() })).optional(),
});

export type ScriptCheck = { ok: true; script: Script } | { ok: false; issues: ScriptIssue[] };

function fieldName(path: PropertyKey[], prefix = ""): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(script)" : out;
}

function zodIssues(error: z.ZodError, prefix = ""): ScriptIssue[] {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return {
        field: fieldName([...issue.path, issue.keys[0] ?? ""], prefix),
        message: `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; remove it (check the spelling)`,
      };
    }
    return { field: fieldName(issue.path, prefix), message: issue.message };
  });
}

function describePhase(phase: Phase): string {
  return phase;
}

/** Checks one fault step against its registered definition (`replay`: the script replays a cassette). */
function checkStep(step: Record<string, unknown>, index: number, replay: boolean): ScriptIssue[] {
  const where = `faults[${index}]`;
  const name = step.fault as string;
  const definition = Object.hasOwn(faults, name) ? faults[name] : undefined;
  if (!definition) {
    return [
      {
        field: `${where}.fault`,
        message: `unknown fault ${JSON.stringify(name)}; allowed: ${Object.keys(faults).join(", ")}`,
      },
    ];
  }
  const issues: ScriptIssue[] = [];
  const { fault: _fault, at, ...params } = step;
  if (at !== undefined) {
    const placement = placementSchema.safeParse(at);
    if (!placement.success) {
      issues.push({
        field: `${where}.at`,
        message: `must be {"phase": one of ${PHASES.join("|")}}, {"event": n}, {"token": n}, {"byte": n} (whole numbers ≥ 0) or, replaying a cassette, {"ms": t}`,
      });
    } else {
      const positions = ['{"event":n}', '{"token":n}', '{"byte":n}', ...(replay ? ['{"ms":t}'] : [])];
      const allowed = [
        ...definition.phases.map((p) => `{"phase":"${describePhase(p)}"}`),
        ...(definition.positional ? positions : []),
      ].join(", ");
      const p = placement.data;
      const ok = "phase" in p ? definition.phases.includes(p.phase) : definition.positional;
      if ("ms" in p && !replay) {
        issues.push({
          field: `${where}.at`,
          message: `{"ms": t} is a time in a recording: only a script that replays a cassette has one; place ${name} at an event, token or byte`,
        });
      } else if (!ok) {
        issues.push({
          field: `${where}.at`,
          message: `${name} cannot be placed at ${JSON.stringify(p)}; allowed: ${allowed}`,
        });
      }
    }
  }
  const parsed = definition.params.safeParse(params);
  if (!parsed.success) issues.push(...zodIssues(parsed.error, where));
  return issues;
}

export interface CheckScriptOptions {
  /** Where a relative `content.cassette` path is read from; default the working directory. */
  baseDir?: string;
}

/**
 * Checks a script and names every bad field. A script that replays a cassette gets it read (from
 * its path) and validated, and its fault steps checked against the recording: the script returned
 * holds the cassette itself.
 */
export function checkScript(json: unknown, options: CheckScriptOptions = {}): ScriptCheck {
  const parsed = scriptSchema.safeParse(json);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      return { ok: false, issues: [{ field: "(script)", message: "a script must be a JSON object" }] };
    }
    return { ok: false, issues };
  }
  const content = parsed.data.content;
  const replay = content?.cassette !== undefined;
  const issues = (parsed.data.faults ?? []).flatMap((step, i) => checkStep(step, i, replay));
  if (replay) {
    const read = readScriptCassette(content!.cassette, options.baseDir ?? process.cwd());
    if ("issue" in read) return { ok: false, issues: [read.issue, ...issues] };
    content!.cassette = read.cassette;
    if (issues.length === 0) issues.push(...checkReplay(parsed.data, read.cassette));
    if (issues.length > 0) return { ok: false, issues };
    return { ok: true, script: parsed.data as Script };
  }
  if (content && [content.text, content.tokens, content.chunks].filter((v) => v !== undefined).length > 1) {
    issues.push({ field: "content", message: "give only one of text, tokens or chunks" });
  }
  if (content?.chunkSize !== undefined && content.chunks === undefined) {
    issues.push({
      field: "content.chunkSize",
      message: "chunkSize needs chunks (the number of tokens to synthesize)",
    });
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, script: parsed.data as Script };
}

/** Validates a script (plain JSON) or throws a UserError naming each bad field and what is allowed. */
export function validateScript(json: unknown, source = "script", options: CheckScriptOptions = {}): Script {
  const result = checkScript(json, options);
  if (result.ok) return result.script;
  const first = result.issues[0]!;
  const cassette = first.field === "content.cassette";
  const beyond = /is beyond the recording/.test(first.message);
  throw new UserError(cassette ? "FAKE_INVALID_CASSETTE" : "FAKE_INVALID_SCRIPT", {
    what: `Invalid ${source}`,
    why: `${first.field}: ${first.message}`,
    fix: cassette
      ? "Fix or replace the cassette named above (`streamchaos cassette show FILE` reads one), or the script's content.cassette path."
      : beyond
        ? "Place the step inside the recording: `streamchaos cassette show FILE` lists its events with their byte offsets and times."
        : "Fix the field named above; the script format is documented in fakes/script.ts and fakes/README.md.",
    details: result.issues.slice(1).map((i) => `${i.field}: ${i.message}`),
  });
}

/** The resolved placement of a step: its own `at`, or its definition's default phase. */
export function placementOf(step: FaultStep): Placement {
  const definition = faults[step.fault];
  return step.at ?? { phase: definition?.defaultPhase ?? "mid-stream" };
}

export function placementLabel(placement: Placement): string {
  if ("phase" in placement) return placement.phase;
  if ("event" in placement) return `event:${placement.event}`;
  if ("token" in placement) return `token:${placement.token}`;
  if ("ms" in placement) return `ms:${placement.ms}`;
  return `byte:${placement.byte}`;
}

const DEFAULT_TEXT = "Hello from the streamchaos fake provider — every byte arrives on schedule.";

/** One tokens array per script, so its streams share their content events (providers/shared.ts). */
const tokensOfScript = new WeakMap<Script, readonly string[]>();

/** The neutral token list of a script. */
export function scriptTokens(script: Script): readonly string[] {
  let tokens = tokensOfScript.get(script);
  if (!tokens) {
    tokens = tokensOf(script);
    tokensOfScript.set(script, tokens);
  }
  return tokens;
}

function tokensOf(script: Script): string[] {
  const content = script.content ?? {};
  if (content.tokens) return content.tokens;
  // Calls alone are an answer with no text (the model went straight to the tool).
  if (content.toolCalls?.length && content.text === undefined && content.chunks === undefined) return [];
  if (content.chunks !== undefined) {
    const size = content.chunkSize ?? 16;
    const unit = "lorem ipsum dolor sit amet ";
    const token = unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    return Array.from({ length: content.chunks }, () => token);
  }
  // Words keep their leading whitespace, like real tokenizers' pieces ("Hello", " world").
  return splitWords(content.text ?? DEFAULT_TEXT);
}
