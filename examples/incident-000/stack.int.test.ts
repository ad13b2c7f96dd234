import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pythonBackendAvailable } from "../../harness/demo.ts";
import {
  type AttributeOptions,
  attributeHops,
  type HopSummary,
  markerJudge,
  providerStreamJudge,
  summarizeHop,
} from "../../harness/hops/index.ts";
import { now } from "../../lib/clock.ts";
import { Teardown } from "../../lib/lifecycle.ts";
import type { StartedEdge } from "../../proxies/edge.ts";
import { nginxEdge } from "../../proxies/nginx/nginx-edge.ts";
import {
  type StartedToxiproxyServer,
  startToxiproxyServer,
  ToxiproxyHops,
} from "../../proxies/toxiproxy/index.ts";
import { BackendProcess } from "../test-support/backend.ts";
import { rawRequest } from "../test-support/raw-client.ts";
import { openai, ScriptedUpstream, sleep, sseHead, write } from "../test-support/upstream.ts";

/**
 * Incident 000's whole stack, every link tapped: probe →[A]→ nginx (sse-tuned) →[B]→ frontend
 * →[frontend-backend]→ FastAPI backend →[C]→ a scripted provider. What the wiring of `services` will
 * do with one config (README.md), done by hand, so that the verdicts it must give are pinned now.
 */
const nginx = await nginxEdge.available();
const python = pythonBackendAvailable();

const LINKS = [
  ["A", "probe", "nginx"],
  ["B", "nginx", "frontend"],
  ["frontend-backend", "frontend", "backend"],
  ["C", "backend", "provider"],
] as const;
const appJudge = markerJudge({ marker: /<!--STREAM_ERROR:/ });
const ask = { path: "/api/proxy/chatbot/chat", body: { message: "hi" }, timeoutMs: 15_000 };
const injected: AttributeOptions = { injected: ["C"] };

const unauthorized = (res: ServerResponse) => {
  res.writeHead(401, { "content-type": "application/json" });
  res.end('{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}');
};
const cutMidStream = async (res: ServerResponse) => {
  sseHead(res);
  for (const token of ["Hel", "lo"]) {
    await write(res, openai.token(token));
    await sleep(60);
  }
  res.socket?.destroy();
};

interface Stack extends AsyncDisposable {
  provider: ScriptedUpstream;
  frontend: BackendProcess;
  /** One request at hop A; the four hops' summaries, client first, once nothing is still streaming. */
  exchange(): Promise<{ status: number; body: string; complete: boolean; hops: HopSummary[] }>;
}

async function startStack(
  toxiproxy: StartedToxiproxyServer,
  frontendMode: "naive" | "fixed",
  backendMode: "naive" | "hardened",
): Promise<Stack> {
  const stack = new Teardown();
  try {
    const provider = stack.use(await ScriptedUpstream.start());
    const hops = stack.use(new ToxiproxyHops(toxiproxy.url, { taps: true }));
    const tag = `${frontendMode}-${process.pid}`;
    const hop = async (name: string, port: number) =>
      hops.createHop({ name: `${tag}-${name}`, upstream: `127.0.0.1:${port}` });
    const hopC = await hop("C", Number(new URL(provider.origin).port));
    const backend = stack.use(
      await BackendProcess.fastapi({
        MODE: backendMode,
        PROVIDER_BASE_URL: `http://${hopC.listen}/v1`,
        PROVIDER_API_KEY: "sk-incident-000",
        UPSTREAM_TIMEOUT_MS: "5000",
      }),
    );
    const toBackend = await hop("frontend-backend", backend.port);
    const frontend = stack.use(
      await BackendProcess.tsx("examples/incident-000/frontend/server.ts", {
        MODE: frontendMode,
        BACKEND_URL: `http://${toBackend.listen}`,
      }),
    );
    const hopB = await hop("B", frontend.port);
    const edge: StartedEdge = stack.use(
      await nginxEdge.start({ upstream: { host: hopB.host, port: hopB.port }, profile: "sse-tuned" }),
    );
    const hopA = await hop("A", edge.port);
    const names = [hopA.name, hopB.name, toBackend.name, hopC.name];
    return {
      provider,
      frontend,
      async exchange() {
        const origin = now();
        const response = await rawRequest(hopA.port, ask);
        const deadline = now() + 10_000;
        for (;;) {
          const summaries = await Promise.all(
            LINKS.map(async ([name, from, to], i) =>
              summarizeHop(
                {
                  name,
                  from,
                  to,
                  connections: await hops.taps(names[i]!, { since: origin }),
                  judge: name === "C" ? providerStreamJudge : appJudge,
                },
                { origin },
              ),
            ),
          );
          if (summaries.every((s) => s.framing.outcome !== "open") || now() > deadline) {
            return {
              status: response.status,
              body: response.body,
              complete: response.complete,
              hops: summaries,
            };
          }
          await sleep(50);
        }
      },
      [Symbol.asyncDispose]: () => stack[Symbol.asyncDispose](),
    };
  } catch (error) {
    await stack[Symbol.asyncDispose]();
    throw error;
  }
}

let toxiproxy: StartedToxiproxyServer;
beforeAll(async () => {
  toxiproxy = await startToxiproxyServer({ port: 0, taps: true });
});
afterAll(async () => {
  await toxiproxy?.[Symbol.asyncDispose]();
});

describe.skipIf(!nginx.ok || !python)("incident 000's stack, naive (as the incident began)", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(toxiproxy, "naive", "naive");
  });
  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  it("pre-stream: the provider's 401 ends as nginx's 502, first visible where the backend closed after its 200", async () => {
    stack.provider.reset(unauthorized);
    const mark = stack.frontend.logs.length;
    const { status, hops } = await stack.exchange();
    expect(status).toBe(502);
    const result = attributeHops(hops, injected);
    expect(result.origin).toBe("frontend-backend");
    expect(result.story).toEqual([
      { hop: "C", line: "the provider answered 401" },
      {
        hop: "frontend-backend",
        line: "the backend sent 200 and its headers, then closed before the first chunk",
      },
      { hop: "B", line: "the frontend passed it on: it closed without sending a response" },
      { hop: "A", line: "nginx answered 502" },
    ]);
    const logs = stack.frontend.since(mark).join("\n");
    expect(logs).toContain("Error: failed to pipe response");
    expect(logs).toContain("SocketError: other side closed");
  });

  it("mid-stream: the provider's cut goes through every box as a cut body", async () => {
    stack.provider.reset(cutMidStream);
    const { status, complete, body, hops } = await stack.exchange();
    expect(status).toBe(200);
    expect(complete).toBe(false);
    expect(body).toBe("Hello");
    const result = attributeHops(hops, injected);
    expect(result.origin).toBe("frontend-backend");
    expect(result.story.map((s) => s.hop)).toEqual(["C", "frontend-backend", "B", "A"]);
    expect(result.story[0]!.line).toMatch(/^the provider closed .*\(the scenario's fault\)$/);
    expect(result.story[1]!.line).toMatch(
      /^the backend closed (between chunks after \d+|mid-chunk), no terminating chunk$/,
    );
    expect(result.story[2]!.line).toMatch(/^the frontend passed it on: it closed/);
    expect(result.story[3]!.line).toMatch(/^nginx passed it on: it closed/);
  });
});

describe.skipIf(!nginx.ok || !python)("incident 000's stack, fixed", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(toxiproxy, "fixed", "hardened");
  });
  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  it("pre-stream: a 502 with a JSON detail, end to end; no hop broken", async () => {
    stack.provider.reset(unauthorized);
    const { status, body, hops } = await stack.exchange();
    expect(status).toBe(502);
    expect(JSON.parse(body).detail).toContain("Incorrect API key provided");
    expect(attributeHops(hops, injected)).toMatchObject({ story: [], text: "" });
  });

  it("mid-stream: the backend's marker and a clean end reach the client; no hop broken", async () => {
    stack.provider.reset(cutMidStream);
    const { status, complete, body, hops } = await stack.exchange();
    expect(status).toBe(200);
    expect(complete).toBe(true);
    expect(body).toMatch(/^Hello\n\n<!--STREAM_ERROR:.+-->$/);
    expect(hops.find((h) => h.name === "frontend-backend")!.framing).toMatchObject({
      outcome: "complete",
      semantic: "error-marker",
    });
    expect(attributeHops(hops, injected).origin).toBeUndefined();
  });
});
