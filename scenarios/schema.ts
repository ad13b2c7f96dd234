import { z } from "zod";

/**
 * The shape of a scenario, checked when a user's scenario is loaded (a file of theirs, or an inline
 * object in their config) so that a typo is an error naming the field instead of a scenario that
 * silently tests less. Names (checks, faults, toxics, edges) are checked against their registries by
 * the harness, which knows them; a script's content and faults by the fakes' own validation.
 *
 * Strict on purpose: a new field of `Scenario` belongs here too (scenarios/schema.test.ts holds every
 * built-in scenario to this schema, so one that is missing fails there first).
 */
// A, B, C or a service's name (harness/services-config.ts): which exist is known only per backend.
const hop = z
  .string()
  .regex(
    /^[\w.-]+$/,
    "a hop: A (client→edge), B (edge→backend), C (backend→provider), or the name of one of the backend's services",
  );
const count = z.number().int().min(0);
const ms = z.number().min(0);

const checkRef = z.union([
  z.string().min(1),
  z.strictObject({ check: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }),
]);

const script = z.looseObject({}).refine((v) => !Array.isArray(v), "a script must be an object");

const scenarioSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*$/, "use letters, digits, '.', '_' or '-' (ids are matched by globs)"),
  title: z.string().min(1, "say in a line what happens"),
  incident: z.string().min(1, "name the incident or failure it models (free text: a ticket, a postmortem)"),
  category: z.string().min(1, "give a category (free text; `streamchaos list` groups by it)"),
  why: z.string().min(1, "say why it matters, for whoever reads the report"),
  script,
  matchScripts: z.array(z.strictObject({ match: z.record(z.string(), z.unknown()), script })).optional(),
  toxics: z
    .array(
      z.strictObject({
        hop,
        type: z.string().min(1),
        stream: z.enum(["upstream", "downstream"]).optional(),
        toxicity: z.number().min(0).max(1).optional(),
        attributes: z.record(z.string(), z.number()).optional(),
      }),
    )
    .optional(),
  down: z.array(hop).optional(),
  requests: z
    .array(
      z.strictObject({
        message: z.string().optional(),
        sessionId: z.string().optional(),
        startAfterTokens: count.optional(),
        disconnect: z
          .strictObject({
            afterEvents: count.optional(),
            afterBytes: count.optional(),
            afterMs: ms.optional(),
            beforeFirstByte: z.boolean().optional(),
          })
          .optional(),
        timeoutMs: ms.optional(),
        idleTimeoutMs: ms.optional(),
      }),
    )
    .optional(),
  checks: z.array(checkRef).min(1, "name at least one check, or the scenario can only pass"),
  decidedBy: z
    .array(z.string().min(1))
    .min(1, "name at least one deciding check, or leave it out")
    .optional(),
  requires: z.array(z.enum(["sessions", "keepalives", "doneSignal", "errorMarker"])).optional(),
  edges: z.array(z.string().min(1)).optional(),
  profiles: z.record(z.string(), z.string()).optional(),
  // Set by the loader, and kept in a run's results: a scenario copied from there (a repro folder)
  // may carry it. The loader sets it anew.
  source: z.looseObject({}).optional(),
});

export interface ScenarioIssue {
  /** The field, as written in the scenario: `checks[2]`, `toxics[0].hop`. */
  field: string;
  message: string;
}

function fieldName(path: readonly PropertyKey[]): string {
  const out = path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  return out.replace(/^\./, "") || "(the scenario)";
}

/** What is wrong with the shape of `value` as a scenario; empty when nothing is. */
export function scenarioIssues(value: unknown): ScenarioIssue[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [{ field: "(the scenario)", message: "a scenario is an object, made with defineScenario({...})" }];
  }
  const parsed = scenarioSchema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return {
        field: fieldName([...issue.path, issue.keys[0] ?? ""]),
        message: `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; check the spelling (the fields are those of Scenario)`,
      };
    }
    return { field: fieldName(issue.path), message: issue.message };
  });
}
