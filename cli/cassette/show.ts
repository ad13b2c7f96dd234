import { basename } from "node:path";
import { type Cassette, type CassetteEvent, cassetteEvents, headerValue } from "../../fakes/index.ts";

/** `cassette show --json`: the events with everything a tool needs to place a fault. */
export function showJson(file: string, cassette: Cassette): string {
  const { framing, encoding, body, events } = cassetteEvents(cassette);
  const start = cassette.response?.t ?? 0;
  return `${JSON.stringify(
    {
      file,
      version: cassette.version,
      provider: cassette.provider,
      providerBy: cassette.providerBy,
      source: cassette.source,
      request: cassette.request
        ? { method: cassette.request.method, path: cassette.request.path, query: cassette.request.query }
        : null,
      status: cassette.response?.status ?? null,
      headersT: cassette.response?.t ?? null,
      timing: cassette.response?.timing ?? null,
      framing,
      encoding: encoding ?? null,
      bytes: body.bytes.length,
      writes: body.writes.map(({ offset, length, t }) => ({ offset, length, t })),
      end: cassette.end,
      events: events.map((e) => ({
        index: e.index,
        offset: e.offset,
        length: e.length,
        t: e.t,
        firstT: e.firstT,
        sinceResponseMs: round(e.t - start),
        type: e.type,
        complete: e.complete,
        data: e.data,
      })),
    },
    null,
    2,
  )}\n`;
}

/** `cassette show`: a summary, then one line per event with its offset, length and time. */
export function showText(file: string, cassette: Cassette): string {
  const { framing, encoding, body, events } = cassetteEvents(cassette);
  const { request, response, end, source } = cassette;
  const lines = [basename(file)];
  const line = request
    ? `${request.method} ${request.path}${request.query ? `?${request.query}` : ""}`
    : "(no request)";
  const answer = response
    ? `${response.status} ${response.statusText}  ${headerValue(response.headers, "content-type") ?? "(no content-type)"}`
    : "no response";
  lines.push(`  ${cassette.provider} (by ${cassette.providerBy})  ${line} → ${answer}`);
  lines.push(
    `  ${source.kind} from ${source.from}${request ? ` at ${request.startedAt}` : ""}, ${source.tool}`,
  );
  if (source.note) lines.push(`  note: ${source.note}`);
  const ended = `ended ${end.how} at ${ms(end.t)} ms${end.error ? ` (${end.error})` : ""}`;
  if (!response) {
    lines.push(`  ${ended}`, "");
    return lines.join("\n");
  }
  lines.push(
    `  ${body.bytes.length} body bytes in ${body.writes.length} writes (times: ${response.timing}), ${events.length} ${framing} events; headers at ${ms(response.t)} ms, ${ended}`,
  );
  if (encoding) lines.push(`  the body is ${encoding}-encoded: its events are not split`);
  lines.push("  t = ms after the response headers, when the event's last byte arrived", "");
  const constant = constantFields(events);
  const rows = events.map((e) => row(e, response.t, constant));
  const header = ["#", "offset", "length", "t", "type", "preview"];
  const widths = header.slice(0, 5).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: string[]) =>
    `  ${cells
      .slice(0, 5)
      .map((c, i) => (i < 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")}  ${cells[5]}`.trimEnd();
  lines.push(render(header), ...rows.map(render), "");
  return lines.join("\n");
}

function row(e: CassetteEvent, headersT: number, constant: ReadonlySet<string>): string[] {
  return [
    String(e.index),
    String(e.offset),
    String(e.length),
    ms(e.t - headersT),
    e.type,
    `${e.complete ? "" : "[incomplete] "}${preview(e, constant)}`,
  ];
}

/**
 * The event on one line. For JSON, only the fields whose value changes from event to event: the
 * id, model and timestamps every chunk repeats hide what a user is looking for (the token, the
 * finish reason, the error).
 */
function preview(e: CassetteEvent, constant: ReadonlySet<string>): string {
  const fields =
    e.json === undefined || e.comment
      ? []
      : leaves(e.json).filter(
          ([path, value]) =>
            !constant.has(`${path}=${value}`) && !(path === "type" && value === JSON.stringify(e.type)),
        );
  const text =
    fields.length > 0
      ? fields.map(([path, value]) => `${path}=${value}`).join(" ")
      : JSON.stringify(e.comment ? `: ${e.data}` : e.data).slice(1, -1);
  return text.length > 72 ? `${text.slice(0, 71)}…` : text;
}

/** `path=value` of every field that has the same value in every event holding it (two at least). */
function constantFields(events: readonly CassetteEvent[]): Set<string> {
  const seen = new Map<string, { value: string; count: number } | "varies">();
  for (const e of events) {
    if (e.json === undefined) continue;
    for (const [path, value] of leaves(e.json)) {
      const before = seen.get(path);
      if (before === undefined) seen.set(path, { value, count: 1 });
      else if (before !== "varies")
        seen.set(path, before.value === value ? { value, count: before.count + 1 } : "varies");
    }
  }
  const constant = new Set<string>();
  for (const [path, state] of seen)
    if (state !== "varies" && state.count > 1) constant.add(`${path}=${state.value}`);
  return constant;
}

/** A JSON value's leaves as [path, JSON of the value], in document order. */
function leaves(value: unknown, path = "", out: Array<[string, string]> = []): Array<[string, string]> {
  if (value === null || typeof value !== "object") {
    out.push([path, JSON.stringify(value)]);
    return out;
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => [`${path}[${i}]`, v] as const)
    : Object.entries(value).map(([k, v]) => [path === "" ? k : `${path}.${k}`, v] as const);
  if (entries.length === 0) out.push([path, Array.isArray(value) ? "[]" : "{}"]);
  for (const [child, v] of entries) leaves(v, child, out);
  return out;
}

function ms(t: number): string {
  return (Math.round(t * 10) / 10).toFixed(1);
}

const round = (t: number) => Math.round(t * 1000) / 1000;
