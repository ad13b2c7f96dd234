import { describe, expect, test } from "vitest";
import { loadCatalog } from "../../scenarios/index.ts";
import { openaiRelay } from "../contracts/openai-relay.ts";
import { sseStatusDeltaDone } from "../contracts/sse-status-delta-done.ts";
import { textMarker } from "../contracts/text-marker.ts";
import { clientMismatch, unmetRequirement } from "./applicability.ts";
import type { LaneBackend } from "./lane-options.ts";

const catalog = await loadCatalog();
const scenario = (id: string) => catalog.find((s) => s.id === id)!;
const backend = (contract: LaneBackend["contract"], keepaliveMs?: number): LaneBackend => ({
  name: "sut",
  provider: "openai",
  contract,
  spec: { name: "sut", env: {}, healthPath: "/health", readyTimeoutMs: 1000 },
  ...(keepaliveMs === undefined ? {} : { keepaliveMs }),
});

describe("unmetRequirement: scenarios that cannot mean anything on a backend do not run", () => {
  test("a second request on a session needs sessions", () => {
    const supersedes = scenario("session-second-request-supersedes");
    expect(unmetRequirement(supersedes, backend(openaiRelay()))).toBe(
      "the openai-relay contract declares no sessions (capabilities.sessions), so no later request can supersede an earlier one; if the backend honours a session id, declare capabilities: { sessions: true }",
    );
    expect(unmetRequirement(supersedes, backend(sseStatusDeltaDone()))).toBeUndefined();
    expect(unmetRequirement(supersedes, backend(openaiRelay({ capabilities: { sessions: true } })))).toBe(
      undefined,
    );
  });

  test("a keepalive scenario needs keepalives on the wire and a declared interval", () => {
    const stall = scenario("mid-stall-silent");
    expect(unmetRequirement(stall, backend(textMarker(), 400))).toContain(
      "the text-marker contract declares no keepalives",
    );
    expect(unmetRequirement(stall, backend(openaiRelay()))).toContain(
      'backend "sut" declares no keepaliveMs',
    );
    expect(unmetRequirement(stall, backend(openaiRelay(), 400))).toBeUndefined();
  });

  test("scenarios that require nothing always apply", () => {
    expect(unmetRequirement(scenario("happy-path"), backend(textMarker()))).toBeUndefined();
  });
});

describe("clientMismatch: a fault sized in HTTP/1.1 bytes on hop A does not run on a TLS client", () => {
  test("limit_data and bandwidth on hop A are not applicable to h2 and the browser, with the reason", () => {
    for (const id of ["net-limit-client-hop", "net-slow-client"]) {
      expect(clientMismatch(scenario(id), "h1")).toBeUndefined();
      for (const client of ["h2", "browser"] as const)
        expect(clientMismatch(scenario(id), client)).toMatch(/client's hop A carries TLS/);
    }
  });

  test("reset_peer on hop A drops the TLS handshake: not applicable to h2 and the browser, with the reason", () => {
    const reset = scenario("net-reset-client-hop");
    expect(clientMismatch(reset, "h1")).toBeUndefined();
    for (const client of ["h2", "browser"] as const)
      expect(clientMismatch(reset, client)).toMatch(
        /reset_peer toxic on hop A drops every byte from the first.*TLS handshake: the handshake never completes/,
      );
  });

  test("faults on other hops apply to every client", () => {
    for (const id of ["net-limit-edge-hop", "net-reset-edge-hop", "mid-connection-fin"])
      for (const client of ["h1", "h2", "browser"] as const)
        expect(clientMismatch(scenario(id), client)).toBeUndefined();
  });
});
