import { describe, expect, it } from "vitest";
import { holdings } from "./buffering.ts";
import type { HopSummary } from "./hop-types.ts";

const hop = (name: string, from: string, to: string, body?: [number, number], head?: [number, number]) =>
  ({
    name,
    from,
    to,
    bytesToUpstream: 0,
    bytesToDownstream: 0,
    end: { client: { kind: "fin", by: "proxy" }, upstream: { kind: "fin", by: "peer" } },
    framing: { outcome: "complete", bodyBytes: 0, chunks: 0 },
    connections: 1,
    responses: 1,
    tap: "proxy",
    ...(body ? { firstBodyByte: { sentAt: body[0], deliveredAt: body[1] } } : {}),
    ...(head ? { firstResponseByte: { sentAt: head[0], deliveredAt: head[1] } } : {}),
  }) satisfies HopSummary;

describe("holdings: how long each box held the first byte", () => {
  it("nginx held it 1.3 s: from hop B handing it over to hop A reading it back", () => {
    const found = holdings([
      hop("A", "probe", "nginx", [2300, 2300], [2299, 2299]),
      hop("B", "nginx", "backend", [1000, 1000], [990, 990]),
      hop("C", "backend", "provider", [950, 950], [940, 940]),
    ]);
    expect(found).toEqual([
      {
        where: "backend",
        kind: "box",
        firstBodyByteMs: 50,
        firstResponseByteMs: 50,
        line: "the backend held it 50 ms",
      },
      {
        where: "nginx",
        kind: "box",
        firstBodyByteMs: 1300,
        firstResponseByteMs: 1309,
        line: "nginx held it 1.3 s",
      },
    ]);
  });

  it("a hop's toxics hold it between reading and writing", () => {
    const [toxic] = holdings([hop("B", "nginx", "backend", [1000, 1500], [990, 1490])]);
    expect(toxic).toMatchObject({
      where: "hop B",
      kind: "hop",
      firstBodyByteMs: 500,
      line: "hop B's toxics held it 500 ms",
    });
  });

  it("a box that wrote its own first body byte before the upstream's came", () => {
    const [held] = holdings([
      hop("A", "probe", "backend", [900, 900]),
      hop("C", "backend", "provider", [1100, 1100]),
    ]);
    expect(held!.line).toBe(
      "the backend sent a body byte of its own 200 ms before the first one from upstream arrived",
    );
    expect(held!.firstBodyByteMs).toBe(-200);
  });

  it("a box that never passed the first body byte on, and one that only passed the status line", () => {
    expect(holdings([hop("A", "probe", "nginx"), hop("B", "nginx", "backend", [1000, 1000])])).toEqual([
      { where: "nginx", kind: "box", line: "nginx never passed the first body byte on" },
    ]);
    const [head] = holdings([
      hop("A", "probe", "nginx", undefined, [1500, 1500]),
      hop("B", "nginx", "backend", undefined, [1000, 1000]),
    ]);
    expect(head!.line).toBe("nginx held the status line 500 ms (no body byte came through)");
  });

  it("every box of a stack: the provider's first token through the backend, the frontend and nginx", () => {
    const found = holdings([
      hop("A", "probe", "nginx", [2600, 2600]),
      hop("B", "nginx", "frontend", [1300, 1300]),
      hop("backend", "frontend", "backend", [1040, 1040]),
      hop("C", "backend", "provider", [1000, 1000]),
    ]);
    expect(found.map((h) => [h.where, h.firstBodyByteMs])).toEqual([
      ["backend", 40],
      ["frontend", 260],
      ["nginx", 1300],
    ]);
    expect(found.map((h) => h.line)).toEqual([
      "the backend held it 40 ms",
      "the frontend held it 260 ms",
      "nginx held it 1.3 s",
    ]);
  });

  it("the direct edge: no box between hop A and hop B, so no holding is told for one", () => {
    const found = holdings([
      hop("A", "probe", "backend", [1003, 1003]),
      hop("B", "probe", "backend", [1000, 1001]),
      hop("C", "backend", "provider", [900, 900]),
    ]);
    expect(found.map((h) => h.line)).toEqual(["hop B's toxics held it 1 ms", "the backend held it 100 ms"]);
  });
});
