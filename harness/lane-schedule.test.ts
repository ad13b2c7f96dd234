import { describe, expect, it } from "vitest";
import type { Scenario } from "../scenarios/scenario.ts";
import type { ResolvedBackend } from "./config.ts";
import { AUTO_LANES, autoLanes, COST_MS, canSwitchEdge, type Group, LaneSchedule } from "./lane-schedule.ts";

const backend = (name: string, extra: Partial<ResolvedBackend> = {}) =>
  ({ name, provider: "openai", healthPath: "/health", readyTimeoutMs: 1_000, ...extra }) as ResolvedBackend;

/** A scenario that waits `ms` on a scripted first token. */
const scenario = (id: string, ms: number): Scenario => ({
  id,
  title: id,
  incident: "-",
  category: "baseline",
  why: "-",
  script: { content: { tokens: ["a"] }, pacing: { firstTokenMs: ms } },
  checks: [],
});

const group = (b: ResolvedBackend, edge: string, scenarios: Scenario[]): Group => ({
  key: `${b.name}|${edge}`,
  backend: b,
  edge: { edge },
  client: "h1",
  queue: [...scenarios],
  activeLanes: 0,
});

describe("LaneSchedule", () => {
  it("runs a group's longest scenarios first, keeping the catalog order among equals", () => {
    const g = group(backend("a"), "direct", [
      scenario("short", 10),
      scenario("long", 3_000),
      scenario("tie-1", 500),
      scenario("tie-2", 500),
    ]);
    const schedule = new LaneSchedule([g]);
    const order: string[] = [];
    for (let next = schedule.next(undefined); next; next = schedule.next(next.group))
      order.push(next.scenario.id);
    expect(order).toEqual(["long", "tie-1", "tie-2", "short"]);
  });

  it("spreads fresh lanes over backends, then moves a lane to another edge of its own backend", () => {
    const [a, b] = [backend("a"), backend("b")];
    const work = (p: string) => [scenario(`${p}1`, 5_000), scenario(`${p}2`, 5_000)];
    const groups = [
      group(a, "direct", work("ad")),
      group(a, "nginx", work("an")),
      group(b, "direct", work("bd")),
      group(b, "nginx", work("bn")),
    ];
    const schedule = new LaneSchedule(groups);
    const first = schedule.next(undefined)!;
    const second = schedule.next(undefined)!;
    expect(first.group.backend).not.toBe(second.group.backend);
    // Lane 1 finishes its group: it moves to the other edge of its backend, not to a new backend.
    const again = schedule.next(first.group)!;
    expect(again.group).toBe(first.group);
    const moved = schedule.next(first.group)!;
    expect(moved.group.backend).toBe(first.group.backend);
    expect(moved.group).not.toBe(first.group);
  });

  it("joins a group others work on only when its share of the rest is worth a lane start", () => {
    const g = group(backend("a"), "direct", [scenario("x", 100), scenario("y", 100), scenario("z", 100)]);
    const schedule = new LaneSchedule([g]);
    expect(schedule.next(undefined)?.group).toBe(g);
    // Two scenarios of ~0.4 s left: half of that does not pay for starting a second lane.
    expect(2 * (100 + COST_MS.scenario)).toBeLessThan(2 * COST_MS.laneStart);
    expect(schedule.next(undefined)).toBeUndefined();
  });

  it("takes every group nobody works on, however small", () => {
    const [a, b] = [backend("a"), backend("b")];
    const schedule = new LaneSchedule([
      group(a, "direct", [scenario("a1", 0)]),
      group(b, "direct", [scenario("b1", 0)]),
    ]);
    const taken = [schedule.next(undefined)?.scenario.id, schedule.next(undefined)?.scenario.id];
    expect(taken.sort()).toEqual(["a1", "b1"]);
  });

  it("moves a lane between edges only within its client: another client is a new lane, with its own TLS", () => {
    const a = backend("a");
    const h1Direct = group(a, "direct", [scenario("d", 0)]);
    const h1Nginx = group(a, "nginx", [scenario("n", 0)]);
    const h2Nginx = { ...group(a, "nginx", [scenario("n", 0)]), key: "a|nginx|h2", client: "h2" as const };
    expect(canSwitchEdge(h1Direct, h1Nginx)).toBe(true);
    expect(canSwitchEdge(h1Nginx, h2Nginx)).toBe(false);
    expect(canSwitchEdge(undefined, h1Nginx)).toBe(false);
    expect(canSwitchEdge(h1Direct, group(backend("b"), "nginx", []))).toBe(false);
  });

  it("prefers the cheap move: the next edge of its own client over another client's", () => {
    const a = backend("a");
    const work = (p: string) => [scenario(`${p}1`, 5_000), scenario(`${p}2`, 5_000)];
    // The longest group goes first, so the lane starts on h1 direct.
    const h1Direct = group(a, "direct", [scenario("d", 30_000)]);
    const h2Nginx = { ...group(a, "nginx", work("h2n")), key: "a|nginx|h2", client: "h2" as const };
    const h1Nginx = group(a, "nginx", work("h1n"));
    const schedule = new LaneSchedule([h1Direct, h2Nginx, h1Nginx]);
    const lane = schedule.next(undefined)!;
    expect(lane.group).toBe(h1Direct);
    expect(schedule.next(lane.group)?.group).toBe(h1Nginx);
  });

  it("gives a backend reached by URL one lane at a time, whichever edge it is on", () => {
    const url = backend("by-url", { url: "http://127.0.0.1:8000", providerPort: 4010 });
    const direct = group(url, "direct", [scenario("d1", 3_000), scenario("d2", 3_000)]);
    const nginx = group(url, "nginx", [scenario("n1", 3_000), scenario("n2", 3_000)]);
    const schedule = new LaneSchedule([direct, nginx]);
    const lane1 = schedule.next(undefined)!;
    expect(schedule.next(undefined)).toBeUndefined();
    // The one lane walks both edges.
    const ids = [lane1.scenario.id];
    for (let next = schedule.next(lane1.group); next; next = schedule.next(next.group)) {
      ids.push(next.scenario.id);
      if (ids.length === 3) {
        // Once it stops, another lane may take the backend.
        schedule.leave(next.group);
        const lane2 = schedule.next(undefined)!;
        ids.push(lane2.scenario.id);
        break;
      }
    }
    expect(ids.sort()).toEqual(["d1", "d2", "n1", "n2"]);
  });
});

describe("autoLanes", () => {
  const many = (n: number, waitMs: number) => Array.from({ length: n }, (_, i) => scenario(`s${i}`, waitMs));
  /** The lanes whose harness work alone fills the share of the cores autoLanes leaves them. */
  const filling = (cores: number, waitMs: number) =>
    (cores * AUTO_LANES.machineShare * (waitMs + COST_MS.scenario)) / AUTO_LANES.cpuMsPerScenario;

  it("gives scenarios that mostly wait more lanes than scenarios that mostly work, on the same cores", () => {
    const waiting = autoLanes([group(backend("a"), "direct", many(40, 600))], 2);
    const working = autoLanes([group(backend("a"), "direct", many(40, 0))], 2);
    expect(waiting).toBeGreaterThan(working);
    expect(waiting).toBe(Math.min(AUTO_LANES.max, Math.floor(filling(2, 600))));
    expect(working).toBe(Math.floor(filling(2, 0)));
  });

  it("scales with cores too, up to its cap", () => {
    const groups = () => [group(backend("a"), "direct", many(40, 0))];
    expect(autoLanes(groups(), 4)).toBe(Math.min(AUTO_LANES.max, Math.floor(filling(4, 0))));
    expect(autoLanes([group(backend("a"), "direct", many(40, 60_000))], 64)).toBe(AUTO_LANES.max);
  });

  it("never more lanes than scenarios, never fewer than one", () => {
    expect(autoLanes([group(backend("a"), "direct", many(2, 5_000))], 2)).toBe(2);
    expect(autoLanes([], 2)).toBe(1);
    expect(autoLanes([group(backend("a"), "direct", many(40, 0))], 0)).toBeGreaterThanOrEqual(1);
  });

  it("does not count groups whose edge is missing (their scenarios are skipped, not run)", () => {
    const skipped = { ...group(backend("a"), "caddy", many(40, 5_000)), skipReason: "caddy missing" };
    expect(autoLanes([skipped, group(backend("a"), "direct", many(1, 0))], 2)).toBe(1);
  });
});
