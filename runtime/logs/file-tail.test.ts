import { appendFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../lib/tempdir.ts";
import { FileTail } from "./file-tail.ts";

describe("FileTail", () => {
  it("reads lines appended after it started, a file created late, and a partial last line once complete", async () => {
    await using dir = await makeTempDir("tail");
    const path = join(dir.path, "access.log");
    await using tail = new FileTail(path);
    tail.poll();
    expect(tail.log.logs()).toEqual([]);
    await writeFile(path, "one\ntw");
    tail.poll();
    expect(tail.log.logs().map((l) => l.line)).toEqual(["one"]);
    await appendFile(path, "o\nthree\n");
    await new Promise<void>((resolve) => {
      const off = tail.log.onLine((l) => {
        if (l.line === "three") {
          off();
          resolve();
        }
      });
    });
    expect(tail.log.logs().map((l) => `${l.stream}:${l.line}`)).toEqual([
      "file:one",
      "file:two",
      "file:three",
    ]);
  });
});
