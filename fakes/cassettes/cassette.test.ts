import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { decodeBytes, encodeBytes } from "./bytes.ts";
import { cassetteJsonSchema } from "./cassette.ts";
import { formatCassette } from "./format.ts";
import { parseCassette } from "./load.ts";
import { cassetteWith } from "./testing/build.ts";

describe("the cassette format", () => {
  it("ships the JSON Schema generated from the zod schema (no drift between the two)", async () => {
    const shipped = JSON.parse(await readFile(new URL("./cassette.schema.json", import.meta.url), "utf8"));
    expect(shipped, "run `npx tsx scripts/cassette-schema.ts` after changing cassette.ts").toEqual(
      cassetteJsonSchema(),
    );
  });

  it("keeps bytes exact through JSON: text when valid UTF-8 on their own, base64 otherwise", () => {
    const e = Buffer.from("é", "utf8");
    const cases: Array<[Buffer, "text" | "base64"]> = [
      [Buffer.from('data: {"a":1}\n\n'), "text"],
      [Buffer.from("\uFEFFdata: x\r\n\r\n"), "text"],
      [Buffer.from("line\u2028sep \u{1F600} \u0000 \x7f"), "text"],
      [Buffer.from(""), "text"],
      [e.subarray(0, 1), "base64"],
      [e.subarray(1), "base64"],
      [Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe]), "base64"],
    ];
    for (const [bytes, kind] of cases) {
      const encoded = encodeBytes(bytes);
      expect(Object.keys(encoded)).toEqual([kind]);
      expect(decodeBytes(JSON.parse(JSON.stringify(encoded))).equals(bytes)).toBe(true);
    }
  });

  it("a character split across two writes round-trips through the file, one base64 write per half", () => {
    const text = Buffer.from('data: {"t":"é"}\n\n');
    const cut = text.indexOf(0xc3) + 1;
    const cassette = cassetteWith([
      [2, text.subarray(0, cut)],
      [4, text.subarray(cut)],
    ]);
    const back = parseCassette(formatCassette(cassette), "split.cassette.json");
    expect(back).toEqual(cassette);
    expect(back.response!.writes.map((w) => Object.keys(w))).toEqual([
      ["t", "base64"],
      ["t", "base64"],
    ]);
    expect(Buffer.concat(back.response!.writes.map(decodeBytes)).equals(text)).toBe(true);
  });

  it("writes one write and one header per line, so a recorded stream diffs line by line", () => {
    const text = formatCassette(
      cassetteWith([
        [2, "data: a\n\n"],
        [3, "data: b\n\n"],
      ]),
    );
    expect(text).toContain(
      '\n      {"t": 2, "text": "data: a\\n\\n"},\n      {"t": 3, "text": "data: b\\n\\n"}\n',
    );
    expect(text).toContain('\n      ["content-type", "text/event-stream"]\n');
    expect(text.endsWith("}\n")).toBe(true);
  });
});
