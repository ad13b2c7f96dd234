import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../lib/tempdir.ts";
import { formatCassette } from "./format.ts";
import { loadCassette } from "./load.ts";
import { cassetteWith } from "./testing/build.ts";

async function loadText(text: string) {
  await using dir = await makeTempDir("cassette-load");
  const file = join(dir.path, "001-openai-v1-chat-completions.cassette.json");
  await writeFile(file, text);
  return { file, error: await loadCassette(file).catch((e: unknown) => e) };
}

describe("loadCassette: each failure names the file, the field and the fix", () => {
  it("loads a valid cassette", async () => {
    const cassette = cassetteWith([[2, "data: a\n\n"]]);
    expect((await loadText(formatCassette(cassette))).error).toEqual(cassette);
  });

  it("a missing file", async () => {
    const error = await loadCassette("/nonexistent/002-x.cassette.json").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CASSETTE_NOT_FOUND", why: "no such file" });
    expect(String(error)).toContain("/nonexistent/002-x.cassette.json");
    expect(String(error)).toContain("streamchaos record --out DIR");
  });

  it("corrupt JSON (a file cut short)", async () => {
    const text = formatCassette(cassetteWith([[2, "data: a\n\n"]]));
    const { file, error } = await loadText(text.slice(0, 200));
    expect(error).toMatchObject({ code: "CASSETTE_CORRUPT" });
    expect(String(error)).toContain(`The cassette ${file} is not valid JSON`);
    expect(String(error)).toContain("restore it from version control, or record it again");
  });

  it("an unknown version", async () => {
    const { file, error } = await loadText(JSON.stringify({ ...cassetteWith([]), version: 2 }));
    expect(error).toMatchObject({
      code: "CASSETTE_VERSION",
      what: `The cassette ${file} is of an unknown version`,
      why: "version is 2, and this streamchaos reads version 1",
    });
    expect(String(error)).toContain("Re-record or upgrade");
  });

  it("JSON that is no cassette at all (no version)", async () => {
    const { error } = await loadText(JSON.stringify({ log: { entries: [] } }));
    expect(error).toMatchObject({
      code: "CASSETTE_INVALID",
      why: expect.stringContaining("version: missing"),
    });
    expect(String(error)).toContain("import it first");
  });

  it("a bad field is named with its path; an unknown key too", async () => {
    const cassette = cassetteWith([
      [2, "data: a\n\n"],
      [3, "data: b\n\n"],
    ]);
    const bad = JSON.parse(JSON.stringify(cassette));
    bad.response.writes[1] = { t: 3, text: "x", base64: "eA==" };
    expect((await loadText(JSON.stringify(bad))).error).toMatchObject({
      code: "CASSETTE_INVALID",
      why: expect.stringMatching(/^response\.writes\[1\]: must be \{"t": ms, "text"/),
    });
    const typo = { ...JSON.parse(JSON.stringify(cassette)), provder: "openai" };
    expect((await loadText(JSON.stringify(typo))).error).toMatchObject({
      why: "provder: unknown key; remove it (check the spelling)",
    });
    const negative = JSON.parse(JSON.stringify(cassette));
    negative.end.t = -1;
    expect((await loadText(JSON.stringify(negative))).error).toMatchObject({
      why: expect.stringMatching(/^end\.t: /),
    });
  });
});
