import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatCassette, loadCassette } from "../../fakes/index.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { captureOutput } from "../../lib/testing.ts";
import { main } from "../main.ts";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../fakes/cassettes/testing/${name}`, import.meta.url));

async function cassette(args: string[]) {
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(["cassette", ...args], { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe("streamchaos cassette import", () => {
  it("imports the streamed entries of a Chrome HAR, numbered after what the folder holds", async () => {
    await using out = await makeTempDir("cassette-cli");
    await writeFile(join(out.path, "004-openai-v1-chat-completions.cassette.json"), "{}");
    const r = await cassette(["import", fixture("chrome-export.har"), "--out", out.path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `saved ${join(out.path, "005-openai-api-chat.cassette.json")}  POST /api/chat → openai (by events)`,
    );
    expect(r.stdout).toContain(
      `saved ${join(out.path, "006-anthropic-v1-messages.cassette.json")}  POST /v1/messages → anthropic (by route)`,
    );
    expect((await loadCassette(join(out.path, "006-anthropic-v1-messages.cassette.json"))).source.kind).toBe(
      "har",
    );
  });

  it("imports raw SSE and NDJSON captures, detecting the framing and the provider", async () => {
    await using out = await makeTempDir("cassette-cli");
    const sse = await cassette(["import", fixture("openai-curl-n.sse"), "--out", out.path]);
    expect(sse.code).toBe(0);
    expect(sse.stdout).toContain("001-openai-capture.cassette.json  (raw capture) → openai (by events)");
    const ndjson = await cassette(["import", fixture("ollama-curl-n.ndjson"), "--out", out.path]);
    expect(ndjson.stdout).toContain("002-ollama-capture.cassette.json  (raw capture) → ollama (by events)");
    const named = await cassette([
      "import",
      fixture("openai-curl-n.sse"),
      "--out",
      out.path,
      "--provider",
      "openrouter",
    ]);
    expect(named.stdout).toContain(
      "003-openrouter-capture.cassette.json  (raw capture) → openrouter (by user)",
    );
  });

  it("says when it cannot tell the provider, and how to name it", async () => {
    await using out = await makeTempDir("cassette-cli");
    const file = join(out.path, "own.sse");
    await writeFile(file, 'data: {"delta":"hi"}\n\ndata: {"done":true}\n\n');
    const r = await cassette(["import", file, "--out", join(out.path, "c")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("001-unknown-capture.cassette.json  (raw capture) → unknown (by none)");
    expect(r.stdout).toContain("pass --provider NAME to name it");
  });
});

describe("streamchaos cassette show", () => {
  it("prints one line per event: index, offset, length, time, type, a preview of what changes", async () => {
    await using out = await makeTempDir("cassette-cli");
    await cassette(["import", fixture("chrome-export.har"), "--out", out.path]);
    const file = join(out.path, "002-anthropic-v1-messages.cassette.json");
    const r = await cassette(["show", file]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("002-anthropic-v1-messages.cassette.json");
    expect(r.stdout).toContain(
      "anthropic (by route)  POST /v1/messages → 200   text/event-stream; charset=utf-8",
    );
    expect(r.stdout).toContain("note: HAR has no per-write times");
    const header = lines.findIndex((l) => /^\s+#\s+offset\s+length\s+t\s+type\s+preview$/.test(l));
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 1).filter(Boolean);
    expect(rows).toHaveLength(13);
    expect(rows[0]).toMatch(/^\s+0\s+0\s+\d+\s+131\.6\s+message_start\s+/);
    expect(rows[3]).toMatch(
      /content_block_delta\s+index=0 delta\.type="thinking_delta" delta\.thinking="The user asks/,
    );
    expect(rows[12]).toMatch(/^\s+12\s+\d+\s+\d+\s+1710\.3\s+message_stop/);
  });

  it("--json gives every event's offset, length, times, type and data", async () => {
    await using out = await makeTempDir("cassette-cli");
    await cassette(["import", fixture("openai-curl-n.sse"), "--out", out.path]);
    const r = await cassette(["show", join(out.path, "001-openai-capture.cassette.json"), "--json"]);
    expect(r.code).toBe(0);
    const shown = JSON.parse(r.stdout);
    const body = await readFile(fixture("openai-curl-n.sse"));
    expect(shown).toMatchObject({ provider: "openai", framing: "sse", bytes: body.length, status: 200 });
    expect(shown.events.at(-1)).toEqual({
      index: 4,
      offset: body.length - 14,
      length: 14,
      t: 0,
      firstT: 0,
      sinceResponseMs: 0,
      type: "[DONE]",
      complete: true,
      data: "[DONE]",
    });
  });

  it("--help for each subcommand lists its flags with defaults and examples", async () => {
    const show = await cassette(["show", "--help"]);
    expect(show.stdout).toContain("--json");
    expect(show.stdout).toContain("(default: off)");
    const imp = await cassette(["import", "--help"]);
    expect(imp.stdout).toContain("--format auto|har|sse|ndjson");
    expect(imp.stdout).toContain("e.g. --provider openai");
    expect((await cassette(["--help"])).stdout).toContain("streamchaos cassette show FILE [--json]");
  });
});

describe("streamchaos cassette: bad input exits 2 with what, why and the fix", () => {
  it("a cassette that does not exist", async () => {
    const r = await cassette(["show", "/nonexistent/001-openai-v1-chat-completions.cassette.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "error[CASSETTE_NOT_FOUND]: Cannot read the cassette /nonexistent/001-openai-v1-chat-completions.cassette.json",
    );
    expect(r.stderr).toContain("fix: Pass the path of a .cassette.json file");
  });

  it("a corrupt cassette", async () => {
    await using out = await makeTempDir("cassette-cli");
    await cassette(["import", fixture("openai-curl-n.sse"), "--out", out.path]);
    const file = join(out.path, "001-openai-capture.cassette.json");
    await writeFile(file, (await readFile(file, "utf8")).slice(0, 300));
    const r = await cassette(["show", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error[CASSETTE_CORRUPT]: The cassette ${file} is not valid JSON`);
    expect(r.stderr).toContain("fix: It was cut short or edited by hand");
  });

  it("a cassette of an unknown version", async () => {
    await using out = await makeTempDir("cassette-cli");
    await cassette(["import", fixture("openai-curl-n.sse"), "--out", out.path]);
    const file = join(out.path, "001-openai-capture.cassette.json");
    const future = { ...(await loadCassette(file)), version: 2 };
    await writeFile(file, formatCassette(future as never));
    const r = await cassette(["show", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error[CASSETTE_VERSION]: The cassette ${file} is of an unknown version`);
    expect(r.stderr).toContain("why: version is 2, and this streamchaos reads version 1");
    expect(r.stderr).toContain("fix: Re-record or upgrade");
  });

  it("a HAR with no streamed entry", async () => {
    await using out = await makeTempDir("cassette-cli");
    const r = await cassette(["import", fixture("chrome-export-no-stream.har"), "--out", out.path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error[IMPORT_HAR_NO_STREAM]:");
    expect(r.stderr).toContain("why: none of its 2 entries is text/event-stream or application/x-ndjson");
    expect(r.stderr).toContain('fix: Let the streamed answer finish, then "Save all as HAR with content"');
    expect(r.stderr).toContain("| POST https://chat.example.com/api/conversations → 201 application/json");
    expect(await readdir(out.path)).toEqual([]);
  });

  it("an output folder that cannot be written", async () => {
    await using tmp = await makeTempDir("cassette-cli");
    const file = join(tmp.path, "not-a-dir");
    await writeFile(file, "");
    const r = await cassette(["import", fixture("openai-curl-n.sse"), "--out", join(file, "out")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error[CASSETTE_DIR_NOT_WRITABLE]");
    expect(r.stderr).toContain("why: ENOTDIR");
  });

  it("an input that is missing or is no stream, and usage slips", async () => {
    await using out = await makeTempDir("cassette-cli");
    const missing = await cassette(["import", join(out.path, "nope.har"), "--out", out.path]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`error[IMPORT_NOT_FOUND]: Cannot read ${join(out.path, "nope.har")}`);
    const page = join(out.path, "page.html");
    await writeFile(page, "<!doctype html><p>hi</p>\n");
    const html = await cassette(["import", page, "--out", out.path]);
    expect(html.code).toBe(2);
    expect(html.stderr).toContain(`error[IMPORT_NOT_A_STREAM]: ${page} is not a stream capture`);
    expect((await cassette(["import", page])).stderr).toContain("Missing --out");
    expect((await cassette(["import", page, "--out", out.path, "--format", "xml"])).stderr).toContain(
      'Invalid --format "xml"',
    );
    expect((await cassette(["import", page, "--out", out.path, "--provider", "bard"])).stderr).toContain(
      'error[CLI_UNKNOWN_PROVIDER]: Unknown provider "bard"',
    );
    const unknown = await cassette(["play", page]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown subcommand "play"');
    expect((await cassette(["show"])).stderr).toContain("Missing FILE");
  });
});
