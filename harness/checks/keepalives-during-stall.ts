import type { JournalEntry } from "../../fakes/journal-types.ts";
import type { Scenario } from "../../scenarios/scenario.ts";
import type { ProbeObservation } from "../probe/observation.ts";
import type { Evidence } from "../results.ts";
import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { exchangeAt, journalEvidence, logEvidence, timingEvidence } from "./evidence.ts";

/** The longest silence a client may see from a backend that promises a keepalive every `keepaliveMs`. */
export function allowedKeepaliveSilenceMs(keepaliveMs: number): number {
  return keepaliveMs * 2 + 400;
}

/** When the provider was silent, on the fake's clock (the probe's too: one clock for all boxes). */
interface StallWindow {
  start: number;
  end: number;
  entry: JournalEntry;
}

/**
 * Incident 001: a provider that goes silent (queueing, long thinking) lets proxies and clients time
 * the stream out unless the backend keeps it alive. Judged across the stall as the client saw it:
 * every silence between two reads that overlaps the stall counts, and when the stream was cut
 * during the stall (a proxy's read timeout), the silence runs from the last byte to the stall's
 * end, because after a cut the client gets nothing at all.
 */
export default defineCheck({
  name: "keepalives-during-stall",
  judgesTiming: true,
  description:
    "During a provider stall the client keeps receiving bytes: no silence longer than 2x the backend's keepalive interval + 400 ms, and no stream cut for silence",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const { contract, backend } = context;
    if (!contract.capabilities.keepalives) {
      return notApplicable(
        `the ${contract.name} contract declares no keepalives (capabilities.keepalives; its ${contract.framing} framing)`,
      );
    }
    const { observation } = exchange;
    const response = observation.response;
    if (!response || response.statusCode >= 300) return notApplicable("no streaming response");
    const allowed =
      typeof options.maxGapMs === "number"
        ? options.maxGapMs
        : backend.keepaliveMs === undefined
          ? undefined
          : allowedKeepaliveSilenceMs(backend.keepaliveMs);
    if (allowed === undefined) {
      return notApplicable(
        `backend "${backend.name}" declares no keepaliveMs, so there is no interval to hold its keepalives to`,
      );
    }
    const stall = stallWindow(context.scenario, exchange.upstream);
    if (!stall) {
      return notApplicable(
        "the provider never stalled for this request (no stall fault fired), so there was nothing to keep alive",
        exchange.upstream.map(journalEvidence),
      );
    }
    const cut = !observation.complete && observation.end.t < stall.end;
    const silence = longestSilence(observation, stall, cut);
    const seen = (cut ? stall.end : Math.min(stall.end, observation.end.t)) - stall.start;
    const keepalives = exchange.view.keepalives.filter((k) => k.t >= stall.start && k.t <= stall.end).length;
    const edgeLines = context.edgeLogs.filter((l) => /timed out|timeout/i.test(l.line));
    const evidence: Evidence[] = [
      timingEvidence("longest silence at the client during the stall", silence.ms, silence.from),
      timingEvidence("allowed silence (2 × keepaliveMs + 400 ms)", allowed),
      timingEvidence("provider stall", stall.end - stall.start, stall.start),
      { kind: "note", label: "keepalives received during the stall", value: String(keepalives) },
      journalEvidence(stall.entry),
      ...logEvidence(`${context.edge.name} log`, edgeLines, 2),
    ];
    if (silence.ms > allowed) {
      if (silence.final && cut) {
        const quiet = Math.round(observation.end.t - silence.from);
        const rest = Math.round(stall.end - observation.end.t);
        const who =
          observation.end.kind === "timeout"
            ? "the client's own idle timeout ended the stream"
            : context.edge.name !== "direct" && edgeLines.length > 0
              ? `the proxy (${context.edge.name}:${context.edge.profile}) cut the stream`
              : `the stream was cut (${observation.end.kind})`;
        return fail(
          `${who} after ${quiet} ms of silence during the provider stall; the client got nothing for the remaining ${rest} ms of it (allowed silence ${allowed} ms)`,
          evidence,
        );
      }
      return fail(
        `the client got nothing for ${Math.round(silence.ms)} ms during the provider stall (allowed ${allowed} ms): proxies and clients will time out`,
        evidence,
      );
    }
    if (seen <= allowed) {
      return notApplicable(
        `the stream ended ${Math.round(seen)} ms into the ${Math.round(stall.end - stall.start)} ms stall, before a missing keepalive could show (allowed silence ${allowed} ms)`,
        evidence,
      );
    }
    return pass(
      `longest silence ${Math.round(silence.ms)} ms during the ${Math.round(stall.end - stall.start)} ms provider stall (allowed ${allowed} ms), ${keepalives} keepalives`,
      evidence,
    );
  },
});

/**
 * The first stall of this request's provider calls: from when it fired to when the script planned
 * it to end (the provider resuming), so a stall the backend cut short by cancelling still counts
 * for its planned length: the client would have waited that long.
 */
function stallWindow(scenario: Scenario, upstream: JournalEntry[]): StallWindow | undefined {
  for (const entry of upstream) {
    const fired = entry.faults.find((f) => f.fault === "stall");
    if (!fired) continue;
    const planned = plannedStallMs(scenario, entry.script);
    const resumed = entry.events.find((e) => e.t > fired.t && e.kind !== "keepalive")?.t;
    const end = planned !== undefined ? fired.t + planned : (resumed ?? entry.t.responseEnded ?? fired.t);
    return { start: fired.t, end, entry };
  }
  return undefined;
}

/** The stall's `ms` in the script this journal entry ran (`<id>` or `<id>#n` for matchScripts[n-1]). */
function plannedStallMs(scenario: Scenario, scriptName: string): number | undefined {
  const match = /#(\d+)$/.exec(scriptName);
  const script = match ? scenario.matchScripts?.[Number(match[1]) - 1]?.script : scenario.script;
  const ms = script?.faults?.find((f) => f.fault === "stall")?.ms;
  return typeof ms === "number" ? ms : undefined;
}

/**
 * The longest gap between bytes the client received (from the headers on) that overlaps the stall.
 * After the last byte, the silence lasts to the end of the stream, or, when the stream was cut
 * during the stall, to the end of the stall.
 */
function longestSilence(
  observation: ProbeObservation,
  stall: StallWindow,
  cut: boolean,
): { ms: number; from: number; final: boolean } {
  const headersAt = observation.response?.headersAt ?? observation.startedAt;
  const times = [
    headersAt,
    ...observation.reads.map((read) => read.t).filter((t) => t > headersAt && t <= observation.end.t),
  ];
  const last = cut ? stall.end : observation.end.t;
  let longest = { ms: 0, from: headersAt, final: false };
  for (const [i, from] of times.entries()) {
    const next = times[i + 1];
    const to = next ?? last;
    if (to <= stall.start || from >= stall.end) continue;
    if (to - from > longest.ms) longest = { ms: to - from, from, final: next === undefined };
  }
  return longest;
}
