import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../lib/tempdir.ts";
import { CassetteDir, slug } from "./cassette-dir.ts";
import { loadCassette } from "./load.ts";
import { cassetteWith } from "./testing/build.ts";

describe("CassetteDir", () => {
  it("numbers by arrival after what the folder holds, and leaves no temp file", async () => {
    await using tmp = await makeTempDir("cassette-dir");
    await writeFile(join(tmp.path, "007-anthropic-v1-messages.cassette.json"), "{}");
    const dir = await CassetteDir.open(join(tmp.path, "out"));
    expect(dir.next()).toBe(1);
    const again = await CassetteDir.open(tmp.path);
    const [first, second] = [again.next(), again.next()];
    expect([first, second]).toEqual([8, 9]);
    const cassette = cassetteWith([[2, "data: a\n\n"]]);
    // The second one ends first: its number still says it came second.
    const file = await again.save(second, cassette, "/v1/chat/completions");
    await again.save(first, cassette, "/v1/chat/completions");
    expect(file).toBe(join(tmp.path, "009-openai-v1-chat-completions.cassette.json"));
    expect(await loadCassette(file)).toEqual(cassette);
    expect((await readdir(tmp.path)).sort()).toEqual([
      "007-anthropic-v1-messages.cassette.json",
      "008-openai-v1-chat-completions.cassette.json",
      "009-openai-v1-chat-completions.cassette.json",
      "out",
    ]);
  });

  it("refuses a folder it cannot write to, at open time", async () => {
    await using tmp = await makeTempDir("cassette-dir");
    const file = join(tmp.path, "a-file");
    await writeFile(file, "");
    const error = await CassetteDir.open(join(file, "cassettes")).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "CASSETTE_DIR_NOT_WRITABLE",
      why: expect.stringMatching(/^ENOTDIR/),
    });
    expect(String(error)).toContain("Pass --out a folder you can write to");
  });

  it("slugs a path into the file name", () => {
    expect(slug("/v1beta/models/gemini-2.0-flash:streamGenerateContent")).toBe(
      "v1beta-models-gemini-2-0-flash-streamgeneratecontent",
    );
    expect(slug("/")).toBe("root");
    expect(slug(`/${"a".repeat(100)}`)).toHaveLength(60);
  });
});
