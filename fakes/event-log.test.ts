import { describe, expect, it } from "vitest";
import { EventLog } from "./event-log.ts";
import { Journal } from "./journal.ts";
import type { JournalEvent } from "./journal-types.ts";
import { openTestEntry } from "./testing/journal-entry.ts";

describe("EventLog", () => {
  it("gives back every write as the journal event it always was, past its first capacity", () => {
    const log = new EventLog();
    const expected: JournalEvent[] = [];
    for (let index = 0; index < 1000; index++) {
      const paced = index % 3 === 0;
      const kind = index === 0 ? "role" : index % 2 === 0 ? "content" : `kind-${index % 5}`;
      const text = kind === "content" ? `token ${index} €` : undefined;
      const t = 1_700_000_000_000 + index * 10.123456;
      log.push(t, index * 7, kind, text, paced ? t - 0.25 : undefined);
      const event: JournalEvent = { index, t, bytes: index * 7, kind };
      if (text !== undefined) event.text = text;
      if (paced) event.due = t - 0.25;
      expected.push(event);
    }
    expect(log.length).toBe(1000);
    const events = log.toEvents();
    expect(events).toEqual(expected);
    // Key order and absent fields, as the admin API's JSON shows them.
    expect(JSON.stringify(events)).toBe(JSON.stringify(expected));
  });

  it("gives back the script's tokens as the texts of the writes that carried them, in order", () => {
    const tokens = ["Hi", " there", "Hi", " €"];
    const log = new EventLog();
    log.useTokens(tokens);
    log.push(1, 10, "role", undefined, undefined);
    log.push(2, 11, "content", "Hi", 2);
    // Not the next token (a step inserted it): kept as given, and the tokens wait for it.
    log.push(3, 0, "content", "é", undefined);
    log.push(4, 12, "content", " there", 4);
    log.push(5, 13, "content", "Hi", 5);
    // A split write's second piece carries no text.
    log.push(6, 14, "content", undefined, undefined);
    log.push(7, 15, "thinking", "hmm", undefined);
    log.push(8, 16, "content", " €", 8);
    // Past the tokens: as given.
    log.push(9, 0, "content", "Hi", undefined);
    log.push(10, 0, "terminator", undefined, undefined);
    const texts = log.toEvents().map((e) => [e.kind, e.bytes, e.text]);
    expect(texts).toEqual([
      ["role", 10, undefined],
      ["content", 11, "Hi"],
      ["content", 0, "é"],
      ["content", 12, " there"],
      ["content", 13, "Hi"],
      ["content", 14, undefined],
      ["thinking", 15, "hmm"],
      ["content", 16, " €"],
      ["content", 0, "Hi"],
      ["terminator", 0, undefined],
    ]);
    expect(log.toEvents()[1]).toEqual({ index: 1, t: 2, bytes: 11, kind: "content", text: "Hi", due: 2 });
    // Read twice, the same.
    expect(log.toEvents().map((e) => e.text)).toEqual(texts.map((row) => row[2]));
  });

  it("takes the tokens only before its first write: marks already made keep meaning the first ones", () => {
    const log = new EventLog();
    log.useTokens(["a", "b"]);
    log.push(1, 1, "content", "a", undefined);
    log.useTokens(["z", "y"]);
    log.push(2, 1, "content", "b", undefined);
    expect(log.toEvents().map((e) => e.text)).toEqual(["a", "b"]);
  });

  it("keeps byte counts far past any one write's exactly beside their kind (the two share a number)", () => {
    const log = new EventLog();
    const huge = 2 ** 36 + 12_345;
    log.push(1, huge, "content", "a", undefined);
    log.push(2, 0, "terminator", undefined, 2);
    log.push(3, 1, "content", "b", undefined);
    expect(log.toEvents()).toEqual([
      { index: 0, t: 1, bytes: huge, kind: "content", text: "a" },
      { index: 1, t: 2, bytes: 0, kind: "terminator", due: 2 },
      { index: 2, t: 3, bytes: 1, kind: "content", text: "b" },
    ]);
  });

  it("keeps a zero due and an empty text, which are values, apart from none", () => {
    const log = new EventLog();
    log.push(5, 0, "content", "", 0);
    log.push(6, 3, "terminator", undefined, undefined);
    expect(log.toEvents()).toEqual([
      { index: 0, t: 5, bytes: 0, kind: "content", text: "", due: 0 },
      { index: 1, t: 6, bytes: 3, kind: "terminator" },
    ]);
  });

  it("keeps every write across a reserve, made before or after writes, and grows past it", () => {
    const log = new EventLog();
    log.push(1, 1, "role", undefined, undefined);
    log.reserve(3); // after a write: the write is kept
    log.reserve(2); // smaller than what it has: nothing changes
    for (let i = 2; i <= 70; i++) log.push(i, i, "content", `t${i}`, i - 0.5); // past the reserve and past 64
    const events = log.toEvents();
    expect(events).toHaveLength(70);
    expect(events[0]).toEqual({ index: 0, t: 1, bytes: 1, kind: "role" });
    expect(events[69]).toEqual({ index: 69, t: 70, bytes: 70, kind: "content", text: "t70", due: 69.5 });
    expect(events.map((e) => e.t)).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
    const empty = new EventLog();
    empty.reserve(0);
    expect(empty.toEvents()).toEqual([]);
  });

  it("keeps texts and their absence exactly, reserved before the first write: fewer, as many, more, or too many to reserve", () => {
    for (const [reserved, written] of [
      [5, 3],
      [5, 5],
      [5, 12],
      [40_000, 7],
    ]) {
      const log = new EventLog();
      log.reserve(reserved!);
      for (let i = 0; i < written!; i++)
        log.push(i, 1, "content", i % 2 === 0 ? `t${i}` : undefined, undefined);
      const events = log.toEvents();
      expect(events).toHaveLength(written!);
      for (const event of events) {
        if (event.index % 2 === 0) expect(event.text).toBe(`t${event.index}`);
        else expect("text" in event).toBe(false);
      }
    }
  });

  it("hands out new objects each time, so a reader cannot change the log", () => {
    const log = new EventLog();
    log.push(1, 2, "content", "a", undefined);
    const first = log.toEvents();
    first[0]!.text = "changed";
    first.push({ index: 1, t: 0, bytes: 0, kind: "x" });
    expect(log.toEvents()).toEqual([{ index: 0, t: 1, bytes: 2, kind: "content", text: "a" }]);
  });
});

describe("Journal entries backed by an EventLog", () => {
  it("copies, JSON and predicates see the events as a plain array, and never the columns", async () => {
    const journal = new Journal();
    const entry = openTestEntry(journal);
    entry.log.push(2, 10, "content", "hi", 1.5);
    const [copy] = journal.entries();
    expect(copy!.events).toEqual([{ index: 0, t: 2, bytes: 10, kind: "content", text: "hi", due: 1.5 }]);
    expect(Object.keys(copy!)).not.toContain("log");
    const json = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
    expect(json.events).toEqual(copy!.events);
    expect(json).not.toHaveProperty("log");
    expect(Object.keys(json).slice(0, 4)).toEqual(["id", "faults", "events", "outcome"]);

    const seen = journal.waitFor((entries) => entries[0]?.events.length === 2 && entries[0].events[1], 1000);
    entry.log.push(3, 5, "terminator", undefined, undefined);
    journal.changed();
    expect(await seen).toEqual({ index: 1, t: 3, bytes: 5, kind: "terminator" });
  });

  it("a limit keeps the newest finished entries however they finish, and counts none from before a clear", () => {
    const journal = new Journal({ limit: 2 });
    const [a, b, c, d] = [
      openTestEntry(journal),
      openTestEntry(journal),
      openTestEntry(journal),
      openTestEntry(journal),
    ];
    // Finished out of order, and one still in progress: only finished ones are dropped, oldest first.
    for (const entry of [c, a, d]) {
      entry.outcome = "complete";
      entry.outcome = "complete"; // set again: counted once
      journal.changed();
    }
    expect(journal.entries().map((e) => e.id)).toEqual([b.id, c.id, d.id]);
    expect(journal.dropped).toBe(1);
    expect(journal.entries()[1]!.outcome).toBe("complete");

    journal.clear();
    const e = openTestEntry(journal);
    b.outcome = "client-closed"; // opened before the clear: not this journal's to count
    journal.changed();
    const f = openTestEntry(journal);
    e.outcome = "fault";
    f.outcome = "complete";
    journal.changed();
    expect(journal.entries().map((x) => x.id)).toEqual([e.id, f.id]);
    expect(journal.dropped).toBe(0);
  });

  it("every entry reads its state through the same two accessors, which no copy carries", () => {
    const [first, second] = [new Journal(), new Journal()];
    const [a, b, c] = [openTestEntry(first), openTestEntry(first), openTestEntry(second)];
    const accessors = (entry: object) => {
      const events = Object.getOwnPropertyDescriptor(entry, "events")!;
      const outcome = Object.getOwnPropertyDescriptor(entry, "outcome")!;
      return [events.get, outcome.get, outcome.set, events.enumerable, outcome.enumerable];
    };
    // One function each for every entry of every journal: a closure per entry had given each its
    // own hidden class and a dictionary of properties.
    expect(accessors(b)).toEqual(accessors(a));
    expect(accessors(c)).toEqual(accessors(a));
    expect(accessors(a)[0]).toBeTypeOf("function");
    b.outcome = "complete";
    expect([a.outcome, b.outcome, c.outcome]).toEqual(["in-progress", "complete", "in-progress"]);
    a.log.push(1, 4, "content", "x", undefined);
    expect([a.events.length, b.events.length]).toEqual([1, 0]);
    // Spread, structuredClone and JSON copy the data, never the state behind the accessors.
    for (const copy of [{ ...a }, structuredClone(a), JSON.parse(JSON.stringify(a))])
      expect(Object.getOwnPropertySymbols(copy)).toEqual([]);
    expect({ ...a }.outcome).toBe("in-progress");
  });

  it("a copy taken earlier does not grow with the log", () => {
    const journal = new Journal();
    const entry = openTestEntry(journal);
    entry.log.push(2, 10, "content", "a", undefined);
    const before = journal.entry(entry.id)!;
    entry.log.push(3, 10, "content", "b", undefined);
    expect(before.events).toHaveLength(1);
    expect(journal.entry(entry.id)!.events).toHaveLength(2);
  });
});
