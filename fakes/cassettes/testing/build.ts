import { encodeBytes } from "../bytes.ts";
import { CASSETTE_TOOL, type Cassette, type CassetteHeader } from "../cassette.ts";

/** A recorded cassette with these writes ([t, bytes]) and response headers, for unit tests. */
export function cassetteWith(
  writes: ReadonlyArray<readonly [number, string | Buffer]>,
  headers: CassetteHeader[] = [["content-type", "text/event-stream"]],
): Cassette {
  return {
    version: 1,
    provider: "openai",
    providerBy: "route",
    source: { kind: "record", from: "http://127.0.0.1:1/", tool: CASSETTE_TOOL },
    request: {
      startedAt: "2025-11-04T09:12:41.215Z",
      method: "POST",
      path: "/v1/chat/completions",
      query: "",
      headers: [["content-type", "application/json"]],
      body: { text: '{"stream":true}' },
    },
    response: {
      t: 1,
      status: 200,
      statusText: "OK",
      headers,
      timing: "recorded",
      writes: writes.map(([t, bytes]) => ({ t, ...encodeBytes(Buffer.from(bytes)) })),
    },
    end: { how: "complete", t: writes.at(-1)?.[0] ?? 1 },
  };
}
