import { describe, expect, it } from "vitest";
import type { TapConnection } from "../../proxies/toxiproxy/index.ts";
import { attributeHops } from "./attribute.ts";
import type { HopSummary, Judge } from "./hop-types.ts";
import { markerJudge, providerStreamJudge } from "./judges.ts";
import { summarizeHop } from "./summarize-hop.ts";
import { chunk, chunked, connection, fin, head, LAST_CHUNK } from "./testing/tap-records.ts";

const ORIGIN = 1000;
const summary = (name: string, from: string, to: string, record: TapConnection | undefined, judge?: Judge) =>
  summarizeHop(
    { name, from, to, connections: record ? [record] : [], ...(judge ? { judge } : {}) },
    { origin: ORIGIN },
  );

const PROVIDER_OK = chunked() + chunk('data: {"choices":[]}\n\n') + chunk("data: [DONE]\n\n") + LAST_CHUNK;
const providerHop = (text = PROVIDER_OK) =>
  summary("C", "backend", "provider", connection({ response: [[1100, text]] }), providerStreamJudge);

/** probe →[A]→ nginx →[B]→ backend →[C]→ provider, client first. */
function chain(a: string, b: string, c = providerHop()): HopSummary[] {
  return [
    summary("A", "probe", "nginx", connection({ response: [[1300, a]] })),
    summary("B", "nginx", "backend", connection({ response: [[1200, b]] })),
    c,
  ];
}

const CUT = chunked() + chunk("data: token\n\n");

describe("attributeHops", () => {
  it("the backend cut its body and nginx appended a clean 0\\r\\n\\r\\n: the proxy hid the crash", () => {
    const result = attributeHops(chain(CUT + LAST_CHUNK, `${CUT}10\r\ndata: to`));
    expect(result.origin).toBe("B");
    expect(result.text).toBe(
      "hop B: the backend closed mid-chunk, no terminating chunk; hop A: nginx sent `0\\r\\n\\r\\n`: it hid the cut",
    );
  });

  it("a proxy that passes the cut on", () => {
    const result = attributeHops(chain(CUT, CUT));
    expect(result.origin).toBe("B");
    expect(result.story.map((s) => s.line)).toEqual([
      "the backend closed between chunks after 1, no terminating chunk",
      "nginx passed it on: it closed between chunks after 1, no terminating chunk",
    ]);
  });

  it("the backend ended cleanly and the proxy cut it", () => {
    const result = attributeHops(chain(CUT, CUT + LAST_CHUNK));
    expect(result.origin).toBe("A");
    expect(result.text).toBe("hop A: nginx closed between chunks after 1, no terminating chunk");
  });

  it("nginx's HTTP/1.0 upstream: a close-delimited end is only a cut to a judge that knows the done signal", () => {
    const backendBody = `${head(200, { "content-type": "text/event-stream" })}data: token\n\n`;
    const nginx = connection({ response: [[1300, CUT + LAST_CHUNK]] });
    const backend = connection({ response: [[1200, backendBody]] });
    const judge = markerJudge({ marker: /STREAM_ERROR/, done: /^data: \[DONE\]$/m });
    const blind = attributeHops([
      summary("A", "probe", "nginx", nginx),
      summary("B", "nginx", "backend", backend),
      providerHop(),
    ]);
    expect(blind.origin).toBeUndefined();
    expect(blind.text).toBe("");
    const judged = attributeHops([
      summary("A", "probe", "nginx", nginx, judge),
      summary("B", "nginx", "backend", backend, judge),
      providerHop(),
    ]);
    expect(judged.origin).toBe("B");
    expect(judged.text).toBe(
      "hop B: the backend ended a close-delimited body with FIN (at this hop a cut looks like an end), and its stream lacks its done signal; " +
        "hop A: nginx sent `0\\r\\n\\r\\n`: the framing hides the cut, only the missing done signal shows it",
    );
  });

  it("incident 000, before the fix: the provider's 401, the backend's 200 cut before any chunk, the frontend's close, nginx's 502", () => {
    const hops = [
      summary(
        "A",
        "probe",
        "nginx",
        connection({ response: [[1400, `${head(502, { "content-length": "3" })}bad`]] }),
      ),
      summary("B", "nginx", "frontend", connection({ response: [] })),
      summary("B2", "frontend", "backend", connection({ response: [[1200, chunked("text/plain")]] })),
      summary(
        "C",
        "backend",
        "provider",
        connection({ response: [[1100, `${head(401, { "content-length": "2" })}{}`]] }),
        providerStreamJudge,
      ),
    ];
    const result = attributeHops(hops);
    expect(result.origin).toBe("B2");
    expect(result.story).toEqual([
      { hop: "C", line: "the provider answered 401" },
      { hop: "B2", line: "the backend sent 200 and its headers, then closed before the first chunk" },
      { hop: "B", line: "the frontend passed it on: it closed without sending a response" },
      { hop: "A", line: "nginx answered 502" },
    ]);
  });

  it("after the fix: the backend turns a provider cut into its marker and a clean end", () => {
    const providerCut = chunked() + chunk('data: {"choices":[]}\n\n');
    const marked =
      chunked("text/plain") + chunk("partial") + chunk("\n\n<!--STREAM_ERROR:cut-->") + LAST_CHUNK;
    const judge = markerJudge({ marker: /<!--STREAM_ERROR:/ });
    const hops = [
      summary("A", "probe", "nginx", connection({ response: [[1300, marked]] }), judge),
      summary("B", "nginx", "backend", connection({ response: [[1200, marked]] }), judge),
      summary(
        "C",
        "backend",
        "provider",
        connection({ response: [[1100, providerCut]] }),
        providerStreamJudge,
      ),
    ];
    const result = attributeHops(hops);
    expect(result.origin).toBe("C");
    expect(result.text).toBe(
      "hop C: the provider closed between chunks after 1, no terminating chunk, and its stream lacks its done signal; " +
        "hop B: the backend turned it into its error marker and a clean end; " +
        "hop A: nginx sent a complete chunked body (`0\\r\\n\\r\\n`), ending in its in-band error",
    );
  });

  it("with the provider's hop as the scenario's fault source, the origin is the first box that let it through", () => {
    const providerCut = chunked() + chunk('data: {"choices":[]}\n\n');
    const hops = chain(CUT + LAST_CHUNK, CUT, providerHop(providerCut));
    expect(attributeHops(hops).origin).toBe("C");
    const result = attributeHops(hops, { injected: ["C"] });
    expect(result.origin).toBe("B");
    expect(result.text).toBe(
      "hop C: the provider closed between chunks after 1, no terminating chunk, and its stream lacks its done signal (the scenario's fault); " +
        "hop B: the backend closed between chunks after 1, no terminating chunk; hop A: nginx sent `0\\r\\n\\r\\n`: it hid the cut",
    );
    const handled = chain(CUT + LAST_CHUNK, CUT + LAST_CHUNK, providerHop(providerCut));
    expect(attributeHops(handled, { injected: ["C"] })).toMatchObject({ story: [], text: "" });
  });

  it("a toxic that cut a whole response is named from the tap", () => {
    const whole = CUT + LAST_CHUNK;
    const hops = [
      summary("A", "probe", "nginx", connection({ response: [[1300, CUT]] })),
      summary(
        "B",
        "nginx",
        "backend",
        connection({
          response: [[1200, whole]],
          delivered: [[1200, CUT]],
          clientEnd: fin(1201, "proxy", "limit_data toxic"),
        }),
      ),
      providerHop(),
    ];
    const result = attributeHops(hops);
    expect(result.origin).toBe("B");
    expect(result.story[0]!.line).toBe(
      "the backend sent a complete chunked body (`0\\r\\n\\r\\n`); the limit_data toxic on this hop cut it: nginx got a body that closed between chunks after 1, no terminating chunk",
    );
    expect(result.story[1]!.line).toBe(
      "nginx passed it on: it closed between chunks after 1, no terminating chunk",
    );
  });

  it("nothing broken: no origin, no story", () => {
    const whole = CUT + LAST_CHUNK;
    expect(attributeHops(chain(whole, whole))).toMatchObject({ story: [], text: "" });
  });

  it("a hop no connection crossed is not where a fault became visible", () => {
    const hops = chain(
      `${head(400, { "content-length": "2" })}{}`,
      `${head(400, { "content-length": "2" })}{}`,
    );
    hops[2] = summary("C", "backend", "provider", undefined);
    expect(attributeHops(hops).origin).toBeUndefined();
  });

  describe("a stack's whole chain: probe →[A]→ nginx →[B]→ frontend →[backend]→ backend →[C]→ provider", () => {
    const providerCut = providerHop(chunked() + chunk('data: {"choices":[]}\n\n'));
    const stack = (a: string, b: string, link: string, c = providerCut) => [
      summary("A", "probe", "nginx", connection({ response: [[1400, a]] })),
      summary("B", "nginx", "frontend", connection({ response: [[1300, b]] })),
      summary("backend", "frontend", "backend", connection({ response: [[1200, link]] })),
      c,
    ];

    it("incident 000, issue 2: the FastAPI backend cut its body, the frontend and nginx passed it on", () => {
      const result = attributeHops(stack(CUT, CUT, CUT), { injected: ["C"] });
      expect(result.origin).toBe("backend");
      expect(result.story.map((s) => s.hop)).toEqual(["C", "backend", "B", "A"]);
      expect(result.text).toBe(
        "hop C: the provider closed between chunks after 1, no terminating chunk, and its stream lacks its done signal (the scenario's fault); " +
          "hop backend: the backend closed between chunks after 1, no terminating chunk; " +
          "hop B: the frontend passed it on: it closed between chunks after 1, no terminating chunk; " +
          "hop A: nginx passed it on: it closed between chunks after 1, no terminating chunk",
      );
    });

    it("a frontend that swallows its backend's error and ends cleanly is the box that hid the cut", () => {
      const result = attributeHops(stack(CUT + LAST_CHUNK, CUT + LAST_CHUNK, CUT), { injected: ["C"] });
      expect(result.origin).toBe("backend");
      expect(result.story.slice(1).map((s) => s.line)).toEqual([
        "the backend closed between chunks after 1, no terminating chunk",
        "the frontend sent `0\\r\\n\\r\\n`: it hid the cut",
        "nginx sent a complete chunked body (`0\\r\\n\\r\\n`)",
      ]);
    });

    it("the backend ended cleanly and the frontend cut it: the frontend's hop is the origin", () => {
      const result = attributeHops(stack(CUT, CUT, CUT + LAST_CHUNK), { injected: ["C"] });
      expect(result.origin).toBe("B");
      expect(result.text).toBe(
        "hop C: the provider closed between chunks after 1, no terminating chunk, and its stream lacks its done signal (the scenario's fault); " +
          "hop B: the frontend closed between chunks after 1, no terminating chunk; " +
          "hop A: nginx passed it on: it closed between chunks after 1, no terminating chunk",
      );
    });

    it("a box calling two services: only the branch the cut came down is told", () => {
      const hops = [
        summary("A", "probe", "nginx", connection({ response: [[1400, CUT]] })),
        summary("B", "nginx", "frontend", connection({ response: [[1300, CUT]] })),
        summary(
          "auth",
          "frontend",
          "auth",
          connection({ response: [[1100, `${head(200, { "content-length": "2" })}ok`]] }),
        ),
        summary("backend", "frontend", "backend", connection({ response: [[1200, CUT]] })),
        providerHop(),
      ];
      const result = attributeHops(hops);
      expect(result.origin).toBe("backend");
      expect(result.story.map((s) => s.hop)).toEqual(["backend", "B", "A"]);
      expect(result.story[1]!.line).toBe(
        "the frontend passed it on: it closed between chunks after 1, no terminating chunk",
      );
    });
  });

  it("the direct edge: hop A runs into hop B's listener, so a backend's cut is told once", () => {
    const hops = [
      summary("A", "probe", "backend", connection({ response: [[1300, CUT]] })),
      summary("B", "probe", "backend", connection({ response: [[1200, CUT]] })),
      providerHop(),
    ];
    const result = attributeHops(hops);
    expect(result.origin).toBe("B");
    expect(result.text).toBe(
      "hop B: the backend closed between chunks after 1, no terminating chunk; " +
        "hop A: no edge in between: the probe got it as hop B delivered it",
    );
    expect(result.text).not.toContain("passed it on");
  });
});
