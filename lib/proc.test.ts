import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { groupMembers, listeningHolder, processStart, readStat } from "./proc.ts";

describe("/proc readings", () => {
  it("reads a process's group and start time, and nothing for a pid that is gone", () => {
    const stat = readStat(process.pid)!;
    expect(stat.pgrp).toBeGreaterThan(0);
    expect(stat.start).toBeGreaterThan(0);
    expect(processStart(process.pid)).toBe(stat.start);
    expect(readStat(2 ** 22 + 1)).toBeUndefined();
  });

  it("names the process listening on a port, with its command line", async () => {
    const child = spawn(
      process.execPath,
      [
        "-e",
        `require("net").createServer().listen(0, "127.0.0.1", function () { console.log(this.address().port) })`,
      ],
      { stdio: ["ignore", "pipe", "inherit"], detached: true },
    );
    try {
      const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
      const port = Number(chunk.toString().trim());
      expect(listeningHolder(port)).toEqual({
        pid: child.pid,
        command: expect.stringContaining("-e require"),
      });
      // A detached child leads its own group.
      expect(groupMembers(child.pid!).map((m) => m.pid)).toEqual([child.pid]);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("says nothing about a port no one listens on", () => {
    expect(listeningHolder(1)).toBeUndefined();
  });
});
