import type { CheckContext } from "../checks/check.ts";
import { escapeBytes } from "../checks/evidence.ts";
import type { TimelineEvent } from "../results.ts";

const MAX_PER_SOURCE = 80;

/** One time-ordered story of a scenario across every box, for the HTML timeline and the JSON. */
export function buildTimeline(context: CheckContext, startedAt: number): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const push = (list: TimelineEvent[]) => events.push(...list.slice(0, MAX_PER_SOURCE));
  context.exchanges.forEach((exchange, i) => {
    const o = exchange.observation;
    const label = context.exchanges.length > 1 ? `request ${i + 1}: ` : "";
    const probe: TimelineEvent[] = [
      {
        t: o.startedAt,
        source: "probe",
        kind: "request",
        detail: `${label}${o.request.method} ${o.request.url}`,
      },
    ];
    if (o.response)
      probe.push({
        t: o.response.headersAt,
        source: "probe",
        kind: "headers",
        detail: `${label}HTTP ${o.response.statusCode} (${o.response.framing})`,
      });
    for (const read of o.bodyReads)
      probe.push({
        t: read.t,
        source: "probe",
        kind: "chunk",
        detail: `${label}${read.bytes.length} B: ${escapeBytes(read.bytes, 60, "head")}`,
      });
    if (o.disconnect)
      probe.push({
        t: o.disconnect.t,
        source: "probe",
        kind: "client-close",
        detail: `${label}client hung up: ${o.disconnect.reason}`,
      });
    probe.push({
      t: o.end.t,
      source: "probe",
      kind: "end",
      detail: `${label}${o.end.kind}${o.terminatorSeen ? " (0\\r\\n\\r\\n seen)" : ""}${o.end.detail ? `: ${o.end.detail}` : ""}`,
    });
    push(probe);
  });
  for (const entry of context.journal) {
    const fake: TimelineEvent[] = [
      {
        t: entry.t.received,
        source: "fake",
        kind: "request",
        detail: `${entry.provider} ${entry.method} ${entry.path} (script ${entry.script})`,
      },
    ];
    if (entry.t.headersSent !== undefined)
      fake.push({ t: entry.t.headersSent, source: "fake", kind: "headers", detail: `HTTP ${entry.status}` });
    for (const fault of entry.faults)
      fake.push({ t: fault.t, source: "fake", kind: "fault", detail: `${fault.fault} at ${fault.at}` });
    for (const event of entry.events)
      fake.push({
        t: event.t,
        source: "fake",
        kind: "event",
        detail: `${event.kind}${event.text ? ` ${JSON.stringify(event.text)}` : ""} (${event.bytes} B)`,
      });
    if (entry.clientClose)
      fake.push({
        t: entry.clientClose.t,
        source: "fake",
        kind: "client-close",
        detail: `backend closed (${entry.clientClose.how}) ${entry.clientClose.duringResponse ? "during" : "after"} the response`,
      });
    push(fake);
  }
  push(context.backendLogs.map((l) => ({ t: l.t, source: "backend", kind: "log", detail: l.line })));
  push(context.edgeLogs.map((l) => ({ t: l.t, source: "edge", kind: "log", detail: l.line })));
  return events.filter((e) => e.t >= startedAt - 5).sort((a, b) => a.t - b.t);
}
