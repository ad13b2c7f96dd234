import { stat } from "node:fs/promises";
import { type Cassette, cassettePath, checkScript, loadCassette, type ProviderName } from "../fakes/index.ts";
import { UserError } from "../lib/errors.ts";
import type { Scenario, ScriptJson } from "../scenarios/scenario.ts";

/** The scripts of a scenario: its default one and its per-match ones. */
function scriptsOf(scenario: Scenario): ScriptJson[] {
  return [scenario.script, ...(scenario.matchScripts ?? []).map((m) => m.script)];
}

const replays = (script: ScriptJson): boolean => script.content?.cassette !== undefined;

/**
 * Reads every cassette the scenarios replay and checks each replaying script against its recording
 * (a missing, corrupt or unknown-version cassette, a step placed beyond it): a UserError naming the
 * scenario, before any box starts. Returns the provider each replaying scenario is recorded from:
 * it only runs against backends that talk to that provider (an Anthropic recording means nothing
 * to an OpenAI client). A relative cassette path is read against `baseDir`.
 */
export function checkReplays(
  scenarios: readonly Scenario[],
  baseDir = process.cwd(),
): Map<string, ProviderName> {
  const providers = new Map<string, ProviderName>();
  for (const scenario of scenarios) {
    for (const script of scriptsOf(scenario).filter(replays)) {
      const checked = checkScript(script, { baseDir });
      if (!checked.ok) {
        const [first, ...rest] = checked.issues;
        throw new UserError("SCENARIO_INVALID_REPLAY", {
          what: `Scenario "${scenario.id}" cannot replay its cassette`,
          why: `${first!.field}: ${first!.message}`,
          fix: /beyond the recording/.test(first!.message)
            ? "Place the step inside the recording: `streamchaos cassette show FILE` lists its events with their byte offsets and times."
            : "Fix the cassette or the scenario's script; a cassette path is relative to the scenario file.",
          details: rest.map((i) => `${i.field}: ${i.message}`),
        });
      }
      const provider = (checked.script.content!.cassette as Cassette).provider as ProviderName;
      const other = providers.get(scenario.id);
      if (other && other !== provider) {
        throw new UserError("SCENARIO_INVALID_REPLAY", {
          what: `Scenario "${scenario.id}" replays cassettes of two providers, ${other} and ${provider}`,
          why: "a backend talks to one provider, so no backend could run it",
          fix: "Replay recordings of one provider in one scenario.",
        });
      }
      providers.set(scenario.id, provider);
    }
  }
  return providers;
}

const cache = new Map<string, { mtimeMs: number; cassette: Promise<Cassette> }>();

/**
 * The script as the fake gets it: a cassette path replaced by the cassette itself, because the fake
 * may run in a container that has no host paths. Each file is read once while it stays unchanged.
 */
export async function inlineCassette(script: ScriptJson, baseDir = process.cwd()): Promise<ScriptJson> {
  const named = script.content?.cassette;
  if (typeof named !== "string" && !(named instanceof URL)) return script;
  const file = cassettePath(named, baseDir);
  const { mtimeMs } = await stat(file).catch(() => ({ mtimeMs: -1 }));
  let cached = cache.get(file);
  if (!cached || cached.mtimeMs !== mtimeMs) {
    cached = { mtimeMs, cassette: loadCassette(file) };
    cached.cassette.catch(() => cache.delete(file));
    cache.set(file, cached);
  }
  return { ...script, content: { ...script.content, cassette: await cached.cassette } };
}
