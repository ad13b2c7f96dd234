import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiAnswer,
  api,
  createProxy,
  startUpstream,
  type ToxiproxyUnderTest,
  toxiproxyUnderTest,
  tryConnect,
  type Upstream,
  uniqueName,
} from "./test-support.ts";

// Every expectation here is what a real Toxiproxy 2.12 answers (reference/toxiproxy-api.md and its
// Go source); with TOXIPROXY_URL set this suite runs against one.
let server: ToxiproxyUnderTest;
let upstream: Upstream;
let base: string;
const up = () => `127.0.0.1:${upstream.port}`;

beforeAll(async () => {
  server = await toxiproxyUnderTest();
  base = server.url;
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream?.[Symbol.asyncDispose]();
  await server?.[Symbol.asyncDispose]();
});

function expectApiError(answer: ApiAnswer, status: number, message: string) {
  expect(answer.status).toBe(status);
  expect(answer.text).toBe(`${JSON.stringify({ error: message, status })}\n`);
  expect(answer.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
  expect(answer.headers.get("x-toxiproxy-request-id")).toMatch(/^[0-9a-v]{20}$/);
}

const proxyBody = (name: string, listen: string, upstreamAddress: string, enabled = true, toxics = "") =>
  `{"name":"${name}","listen":"${listen}","upstream":"${upstreamAddress}","enabled":${enabled},"Logger":{},"toxics":[${toxics}]}`;

describe("version and routing", () => {
  it("GET /version answers the exact bytes, with its own content type and a request id", async () => {
    const answer = await api(base, "GET", "/version");
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/^\{"version": "2\.\d+\.\d+"\}\n$/);
    if (!server.external) expect(answer.text).toBe('{"version": "2.12.0"}\n');
    expect(answer.headers.get("content-type")).toBe("application/json;charset=utf-8");
    expect(answer.headers.get("x-toxiproxy-request-id")).toMatch(/^[0-9a-v]{20}$/);
  });

  it("gives every answer a different request id", async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await api(base, "GET", "/version")).headers.get("x-toxiproxy-request-id")),
    );
    expect(new Set(ids).size).toBe(3);
  });

  it("answers an unknown route with Go's plain 404 and no request id", async () => {
    for (const path of ["/nope", "/proxies/", "/metrics", "/proxies/a/b/c/d"]) {
      const answer = await api(base, "GET", path);
      expect(answer.status).toBe(404);
      expect(answer.text).toBe("404 page not found\n");
      expect(answer.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(answer.headers.get("x-toxiproxy-request-id")).toBeNull();
    }
  });

  it("answers a known route with the wrong method with an empty 405", async () => {
    for (const [method, path] of [
      ["PUT", "/proxies"],
      ["DELETE", "/version"],
      ["GET", "/reset"],
      ["GET", "/populate"],
      ["PUT", "/proxies/x/toxics"],
    ] as const) {
      const answer = await api(base, method, path);
      expect(answer.status, `${method} ${path}`).toBe(405);
      expect(answer.text).toBe("");
      expect(answer.headers.get("x-toxiproxy-request-id")).toBeNull();
    }
  });

  it("refuses browsers (User-Agent Mozilla/...) with 403", async () => {
    const answer = await api(base, "GET", "/proxies", undefined, {
      "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)",
    });
    expect(answer.status).toBe(403);
    expect(answer.text).toBe("User agent not allowed\n");
    expect(answer.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(answer.headers.get("x-toxiproxy-request-id")).toMatch(/^[0-9a-v]{20}$/);
  });
});

describe("proxies", () => {
  it("creates a proxy: 201, the resolved listen address, Logger:{} and key order", async () => {
    const name = uniqueName("create");
    const answer = await api(base, "POST", "/proxies", { name, listen: "127.0.0.1:0", upstream: up() });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("content-type")).toBe("application/json");
    const listen = answer.json<{ listen: string }>().listen;
    expect(listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(listen).not.toBe("127.0.0.1:0");
    expect(answer.text).toBe(proxyBody(name, listen, up()));
    expect((await api(base, "GET", `/proxies/${name}`)).text).toBe(answer.text);
    expect(await tryConnect(Number(listen.split(":")[1]))).toBe("connected");
    await api(base, "DELETE", `/proxies/${name}`);
  });

  it("needs no Content-Type and listens on every interface when listen is missing", async () => {
    const name = uniqueName("nolisten");
    const answer = await api(base, "POST", "/proxies", `{"name":"${name}","upstream":"${up()}"}`);
    expect(answer.status).toBe(201);
    expect(answer.json<{ listen: string }>().listen).toMatch(/^\[::\]:\d+$/);
    await api(base, "DELETE", `/proxies/${name}`);
  });

  it("creates a disabled proxy without listening", async () => {
    const name = uniqueName("disabled");
    const answer = await api(base, "POST", "/proxies", {
      name,
      listen: "127.0.0.1:0",
      upstream: up(),
      enabled: false,
    });
    expect(answer.status).toBe(201);
    expect(answer.text).toBe(proxyBody(name, "127.0.0.1:0", up(), false));
    await api(base, "DELETE", `/proxies/${name}`);
  });

  it("rejects a duplicate name with 409", async () => {
    await using proxy = await createProxy(base, upstream.port);
    const answer = await api(base, "POST", "/proxies", {
      name: proxy.name,
      listen: "127.0.0.1:0",
      upstream: up(),
    });
    expectApiError(answer, 409, "proxy already exists");
  });

  it("rejects a missing name or upstream with 400", async () => {
    expectApiError(
      await api(base, "POST", "/proxies", { upstream: up() }),
      400,
      "missing required field: name",
    );
    expectApiError(
      await api(base, "POST", "/proxies", { name: uniqueName("x") }),
      400,
      "missing required field: upstream",
    );
    expectApiError(
      await api(base, "POST", "/proxies", { name: "", upstream: up() }),
      400,
      "missing required field: name",
    );
  });

  it("rejects invalid JSON with Go's decoder message", async () => {
    expectApiError(await api(base, "POST", "/proxies", ""), 400, "bad request body: EOF");
    expectApiError(await api(base, "POST", "/proxies", '{"name":'), 400, "bad request body: unexpected EOF");
    expectApiError(
      await api(base, "POST", "/proxies", "{x}"),
      400,
      "bad request body: invalid character 'x' looking for beginning of object key string",
    );
    expectApiError(
      await api(base, "POST", "/proxies", "nope"),
      400,
      "bad request body: invalid character 'o' in literal null (expecting 'u')",
    );
    expectApiError(
      await api(base, "POST", "/proxies", '{"name":1,"upstream":"x:1"}'),
      400,
      "bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string",
    );
  });

  it("answers 500 with Go's listen error when the address is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const name = uniqueName("busy");
      const answer = await api(base, "POST", "/proxies", {
        name,
        listen: `127.0.0.1:${port}`,
        upstream: up(),
      });
      expectApiError(answer, 500, `listen tcp 127.0.0.1:${port}: bind: address already in use`);
      expect((await api(base, "GET", `/proxies/${name}`)).status).toBe(404);
    } finally {
      blocker.close();
    }
  });

  it("answers 500 with Go's address error for a listen address without a port", async () => {
    const name = uniqueName("noport");
    expectApiError(
      await api(base, "POST", "/proxies", { name, listen: "127.0.0.1", upstream: up() }),
      500,
      "listen tcp: address 127.0.0.1: missing port in address",
    );
    expect((await api(base, "GET", `/proxies/${name}`)).status).toBe(404);
  });

  it("answers 404 for every route under a missing proxy", async () => {
    const missing = uniqueName("missing");
    for (const [method, path, body] of [
      ["GET", `/proxies/${missing}`, undefined],
      ["POST", `/proxies/${missing}`, { enabled: false }],
      ["PATCH", `/proxies/${missing}`, { enabled: false }],
      ["DELETE", `/proxies/${missing}`, undefined],
      ["GET", `/proxies/${missing}/toxics`, undefined],
      ["POST", `/proxies/${missing}/toxics`, { type: "latency" }],
      ["GET", `/proxies/${missing}/toxics/t`, undefined],
      ["POST", `/proxies/${missing}/toxics/t`, {}],
      ["PATCH", `/proxies/${missing}/toxics/t`, {}],
      ["DELETE", `/proxies/${missing}/toxics/t`, undefined],
    ] as const) {
      expectApiError(await api(base, method, path, body), 404, "proxy not found");
    }
  });

  it("lists proxies as an object keyed and sorted by name", async () => {
    await using b = await createProxy(base, upstream.port, uniqueName("list_b"));
    await using a = await createProxy(base, upstream.port, uniqueName("list_a"));
    const answer = await api(base, "GET", "/proxies");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/json");
    const keys = Object.keys(answer.json<Record<string, unknown>>());
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(expect.arrayContaining([a.name, b.name]));
    const shown = (await api(base, "GET", `/proxies/${a.name}`)).text;
    expect(answer.text).toContain(`"${a.name}":${shown}`);
  });

  it("disables with {enabled:false} (ECONNREFUSED), re-enables on the same port, POST or PATCH", async () => {
    await using proxy = await createProxy(base, upstream.port);
    const listen = `127.0.0.1:${proxy.port}`;
    const down = await api(base, "PATCH", `/proxies/${proxy.name}`, { enabled: false });
    expect(down.status).toBe(200);
    expect(down.text).toBe(proxyBody(proxy.name, listen, up(), false));
    expect(await tryConnect(proxy.port)).toBe("ECONNREFUSED");
    const again = await api(base, "POST", `/proxies/${proxy.name}`, '{"enabled":true}');
    expect(again.text).toBe(proxyBody(proxy.name, listen, up(), true));
    expect(await tryConnect(proxy.port)).toBe("connected");
  });

  it("moves a proxy to a new upstream on update", async () => {
    await using proxy = await createProxy(base, upstream.port);
    await using other = await startUpstream((socket) => socket.end("other\n"));
    const answer = await api(base, "PATCH", `/proxies/${proxy.name}`, {
      upstream: `127.0.0.1:${other.port}`,
    });
    expect(answer.json<{ upstream: string; enabled: boolean }>()).toMatchObject({
      upstream: `127.0.0.1:${other.port}`,
      enabled: true,
    });
  });

  it("deletes with an empty 204, then answers 404", async () => {
    const proxy = await createProxy(base, upstream.port);
    const answer = await api(base, "DELETE", `/proxies/${proxy.name}`);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe("");
    expect(await tryConnect(proxy.port)).toBe("ECONNREFUSED");
    expectApiError(await api(base, "DELETE", `/proxies/${proxy.name}`), 404, "proxy not found");
  });
});

describe("toxics", () => {
  it("adds a toxic with 200 (not 201), default name, stream, toxicity and attributes", async () => {
    await using proxy = await createProxy(base, upstream.port);
    const answer = await api(base, "POST", `/proxies/${proxy.name}/toxics`, { type: "latency" });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/json");
    expect(answer.text).toBe(
      '{"attributes":{"latency":0,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}',
    );
  });

  /** Each type's attributes in the order upstream's struct declares them: the order it echoes. */
  const ATTRIBUTES: Record<string, string[]> = {
    latency: ["latency", "jitter"],
    bandwidth: ["rate"],
    slow_close: ["delay"],
    timeout: ["timeout"],
    reset_peer: ["timeout"],
    slicer: ["average_size", "size_variation", "delay"],
    limit_data: ["bytes"],
  };
  const attributesJson = (keys: string[], value: (i: number) => number) =>
    `{${keys.map((key, i) => `"${key}":${value(i)}`).join(",")}}`;

  it("echoes each type's attributes in upstream's key order, with defaults for missing ones", async () => {
    await using proxy = await createProxy(base, upstream.port);
    for (const [type, keys] of Object.entries(ATTRIBUTES)) {
      const answer = await api(base, "POST", `/proxies/${proxy.name}/toxics`, {
        type,
        stream: "upstream",
        attributes: { [keys[0]!]: 5 },
      });
      expect(answer.text).toBe(
        `{"attributes":${attributesJson(keys, (i) => (i === 0 ? 5 : 0))},"name":"${type}_upstream","type":"${type}","stream":"upstream","toxicity":1}`,
      );
    }
  });

  it("keeps a given name, stream and toxicity, also outside 0..1, and ignores unknown attributes", async () => {
    await using proxy = await createProxy(base, upstream.port);
    const answer = await api(base, "POST", `/proxies/${proxy.name}/toxics`, {
      name: "slow",
      type: "latency",
      stream: "upstream",
      toxicity: 0.3,
      attributes: { latency: 100, jitter: 10, bogus: 1 },
    });
    expect(answer.text).toBe(
      '{"attributes":{"latency":100,"jitter":10},"name":"slow","type":"latency","stream":"upstream","toxicity":0.3}',
    );
    const odd = await api(base, "POST", `/proxies/${proxy.name}/toxics`, {
      name: "odd",
      type: "timeout",
      toxicity: 2.5,
    });
    expect(odd.json<{ toxicity: number }>().toxicity).toBe(2.5);
    const negative = await api(base, "POST", `/proxies/${proxy.name}/toxics`, {
      name: "neg",
      type: "timeout",
      toxicity: -1,
    });
    expect(negative.json<{ toxicity: number }>().toxicity).toBe(-1);
  });

  it("lists toxics upstream first, each direction in the order added, also inside the proxy", async () => {
    await using proxy = await createProxy(base, upstream.port);
    for (const [name, stream] of [
      ["d1", "downstream"],
      ["u1", "upstream"],
      ["d2", "downstream"],
      ["u2", "upstream"],
    ]) {
      await api(base, "POST", `/proxies/${proxy.name}/toxics`, { name, type: "latency", stream });
    }
    const names = (await api(base, "GET", `/proxies/${proxy.name}/toxics`))
      .json<Array<{ name: string }>>()
      .map((t) => t.name);
    expect(names).toEqual(["u1", "u2", "d1", "d2"]);
    const inProxy = (await api(base, "GET", `/proxies/${proxy.name}`)).json<{
      toxics: Array<{ name: string }>;
    }>();
    expect(inProxy.toxics.map((t) => t.name)).toEqual(names);
  });

  it("rejects a duplicate name with 409, before looking at the attributes", async () => {
    await using proxy = await createProxy(base, upstream.port);
    await api(base, "POST", `/proxies/${proxy.name}/toxics`, { type: "latency" });
    expectApiError(
      await api(base, "POST", `/proxies/${proxy.name}/toxics`, { type: "latency" }),
      409,
      "toxic already exists",
    );
    expectApiError(
      await api(base, "POST", `/proxies/${proxy.name}/toxics`, {
        name: "latency_downstream",
        type: "bandwidth",
        stream: "upstream",
        attributes: { rate: "fast" },
      }),
      409,
      "toxic already exists",
    );
  });

  it("rejects unknown or missing types, bad streams and bad bodies with 400", async () => {
    await using proxy = await createProxy(base, upstream.port);
    const path = `/proxies/${proxy.name}/toxics`;
    expectApiError(await api(base, "POST", path, { type: "explode" }), 400, "invalid toxic type");
    expectApiError(await api(base, "POST", path, { attributes: {} }), 400, "invalid toxic type");
    expectApiError(
      await api(base, "POST", path, { type: "latency", stream: "sideways" }),
      400,
      "stream was invalid, can be either upstream or downstream",
    );
    expectApiError(await api(base, "POST", path, "{"), 400, "bad request body: unexpected EOF");
    expectApiError(
      await api(base, "POST", path, { type: "latency", attributes: { latency: "slow" } }),
      400,
      "bad request body: json: cannot unmarshal string into Go struct field LatencyToxic.attributes.latency of type int64",
    );
    expect((await api(base, "GET", path)).text).toBe("[]");
  });

  // Toxiproxy 2.12 validates a toxic in AddToxicJson only: body, stream, type, duplicate name, then
  // the attributes decoded into the toxic's struct. Every attribute is a signed Go int64/int, so a
  // negative number decodes fine and is kept; toxicity is a float32 with no range check (only
  // toxiproxy-cli refuses values outside 0..1, before it sends anything).
  it("accepts and echoes negative attributes of every type: all are signed Go integers", async () => {
    await using proxy = await createProxy(base, upstream.port);
    for (const [type, keys] of Object.entries(ATTRIBUTES)) {
      const negative = Object.fromEntries(keys.map((key) => [key, -5]));
      const answer = await api(base, "POST", `/proxies/${proxy.name}/toxics`, { type, attributes: negative });
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(
        `{"attributes":${attributesJson(keys, () => -5)},"name":"${type}_downstream","type":"${type}","stream":"downstream","toxicity":1}`,
      );
    }
    const path = `/proxies/${proxy.name}/toxics/latency_downstream`;
    const updated = await api(base, "POST", path, { toxicity: 7, attributes: { latency: -1 } });
    expect(updated.json()).toMatchObject({ toxicity: 7, attributes: { latency: -1, jitter: -5 } });
  });

  it("rejects each bad toxic the way upstream does: status and message", async () => {
    await using proxy = await createProxy(base, upstream.port);
    const path = `/proxies/${proxy.name}/toxics`;
    await api(base, "POST", path, { name: "taken", type: "latency", stream: "upstream" });
    const cases: Array<[string, unknown, number, string]> = [
      ["empty body", "", 400, "bad request body: EOF"],
      [
        "a list",
        "[]",
        400,
        "bad request body: json: cannot unmarshal array into Go value of type toxics.ToxicWrapper",
      ],
      [
        "a name that is a number",
        { name: 1, type: "latency" },
        400,
        "bad request body: json: cannot unmarshal number into Go struct field ToxicWrapper.name of type string",
      ],
      [
        "toxicity as text",
        { type: "latency", toxicity: "high" },
        400,
        "bad request body: json: cannot unmarshal string into Go struct field ToxicWrapper.toxicity of type float32",
      ],
      [
        "toxicity beyond float32",
        { type: "latency", toxicity: 1e39 },
        400,
        "bad request body: json: cannot unmarshal number 1e+39 into Go struct field ToxicWrapper.toxicity of type float32",
      ],
      // Before the type is known the attributes decode into upstream's placeholder NoopToxic.
      [
        "attributes that are a number",
        { type: "latency", attributes: 5 },
        400,
        "bad request body: json: cannot unmarshal number into Go struct field ToxicWrapper.attributes of type toxics.NoopToxic",
      ],
      [
        "attributes that are a list",
        { type: "latency", attributes: [1] },
        400,
        "bad request body: json: cannot unmarshal array into Go struct field ToxicWrapper.attributes of type toxics.NoopToxic",
      ],
      [
        "an empty stream",
        { type: "latency", stream: "" },
        400,
        "stream was invalid, can be either upstream or downstream",
      ],
      [
        "a stream that is not a direction",
        { type: "latency", stream: "both" },
        400,
        "stream was invalid, can be either upstream or downstream",
      ],
      ["a type in the wrong case", { type: "Latency" }, 400, "invalid toxic type"],
      ["a name used in the other direction", { name: "taken", type: "latency" }, 409, "toxic already exists"],
      [
        "a fractional attribute",
        { type: "latency", attributes: { latency: 1.5 } },
        400,
        "bad request body: json: cannot unmarshal number 1.5 into Go struct field LatencyToxic.attributes.latency of type int64",
      ],
      [
        "an attribute beyond int64",
        '{"type":"bandwidth","attributes":{"rate":9223372036854775808}}',
        400,
        "bad request body: json: cannot unmarshal number 9223372036854775808 into Go struct field BandwidthToxic.attributes.rate of type int64",
      ],
      [
        "an exponent for an int",
        '{"type":"slicer","attributes":{"delay":1e3}}',
        400,
        "bad request body: json: cannot unmarshal number 1e3 into Go struct field SlicerToxic.attributes.delay of type int",
      ],
    ];
    for (const [what, body, status, message] of cases) {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      const answer = await api(base, "POST", path, text);
      expect(`${what}: ${answer.status} ${answer.json<{ error: string }>().error}`).toBe(
        `${what}: ${status} ${message}`,
      );
      expectApiError(answer, status, message);
    }
    const names = (await api(base, "GET", path)).json<Array<{ name: string }>>().map((t) => t.name);
    expect(names).toEqual(["taken"]);
  });

  it("keeps a stream's spelling, also in the default name, and knows upstream's noop type", async () => {
    await using proxy = await createProxy(base, upstream.port);
    const path = `/proxies/${proxy.name}/toxics`;
    const shouted = await api(base, "POST", path, { type: "latency", stream: "UPSTREAM" });
    expect(shouted.json()).toMatchObject({ name: "latency_UPSTREAM", stream: "UPSTREAM" });
    const noop = await api(base, "POST", path, { type: "noop" });
    expect(noop.text).toBe(
      '{"attributes":{},"name":"noop_downstream","type":"noop","stream":"downstream","toxicity":1}',
    );
  });

  it("rejects a bad update with status and message, naming the toxic's own struct", async () => {
    await using proxy = await createProxy(base, upstream.port);
    const path = `/proxies/${proxy.name}/toxics`;
    await api(base, "POST", path, { name: "t", type: "latency" });
    expectApiError(
      await api(base, "POST", `${path}/t`, { toxicity: "high" }),
      400,
      "bad request body: json: cannot unmarshal string into Go struct field .toxicity of type float32",
    );
    expectApiError(
      await api(base, "POST", `${path}/t`, { attributes: 5 }),
      400,
      "bad request body: json: cannot unmarshal number into Go struct field .attributes of type toxics.LatencyToxic",
    );
    expectApiError(await api(base, "POST", `${path}/t`, ""), 400, "bad request body: EOF");
  });

  it("shows, updates (merging attributes, ignoring type) and deletes a toxic", async () => {
    await using proxy = await createProxy(base, upstream.port);
    const path = `/proxies/${proxy.name}/toxics`;
    await api(base, "POST", path, { name: "t", type: "latency", attributes: { latency: 100, jitter: 10 } });
    expect((await api(base, "GET", `${path}/t`)).text).toBe(
      '{"attributes":{"latency":100,"jitter":10},"name":"t","type":"latency","stream":"downstream","toxicity":1}',
    );
    const patched = await api(base, "PATCH", `${path}/t`, { type: "bandwidth", attributes: { jitter: 20 } });
    expect(patched.status).toBe(200);
    expect(patched.text).toBe(
      '{"attributes":{"latency":100,"jitter":20},"name":"t","type":"latency","stream":"downstream","toxicity":1}',
    );
    const posted = await api(base, "POST", `${path}/t`, { toxicity: 0.5 });
    expect(posted.json<{ toxicity: number; attributes: object }>()).toMatchObject({
      toxicity: 0.5,
      attributes: { latency: 100, jitter: 20 },
    });
    expectApiError(
      await api(base, "PATCH", `${path}/t`, '{"attributes":'),
      400,
      "bad request body: unexpected EOF",
    );
    expectApiError(
      await api(base, "PATCH", `${path}/t`, { attributes: { latency: 1.5 } }),
      400,
      "bad request body: json: cannot unmarshal number 1.5 into Go struct field LatencyToxic.attributes.latency of type int64",
    );
    const deleted = await api(base, "DELETE", `${path}/t`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expectApiError(await api(base, "GET", `${path}/t`), 404, "toxic not found");
    expectApiError(await api(base, "PATCH", `${path}/t`, {}), 404, "toxic not found");
    expectApiError(await api(base, "DELETE", `${path}/t`), 404, "toxic not found");
  });
});

describe("reset and populate", () => {
  it("POST /reset removes every toxic and re-enables every proxy, keeping the proxies", async () => {
    await using proxy = await createProxy(base, upstream.port);
    await api(base, "POST", `/proxies/${proxy.name}/toxics`, { type: "latency" });
    await api(base, "PATCH", `/proxies/${proxy.name}`, { enabled: false });
    const answer = await api(base, "POST", "/reset");
    expect(answer.status).toBe(204);
    expect(answer.text).toBe("");
    expect((await api(base, "GET", `/proxies/${proxy.name}`)).text).toBe(
      proxyBody(proxy.name, `127.0.0.1:${proxy.port}`, up(), true),
    );
    expect(await tryConnect(proxy.port)).toBe("connected");
  });

  it("POST /populate creates, replaces a changed proxy of the same name and keeps the others", async () => {
    await using kept = await createProxy(base, upstream.port);
    await using replaced = await createProxy(base, upstream.port);
    await api(base, "POST", `/proxies/${kept.name}/toxics`, { type: "latency" });
    const fresh = uniqueName("fresh");
    const answer = await api(base, "POST", "/populate", [
      { name: fresh, listen: "127.0.0.1:0", upstream: up() },
      { name: replaced.name, listen: "127.0.0.1:0", upstream: "127.0.0.1:9", enabled: false },
      { name: kept.name, listen: `127.0.0.1:${kept.port}`, upstream: up() },
    ]);
    expect(answer.status).toBe(201);
    expect(answer.headers.get("content-type")).toBe("application/json");
    const body = answer.json<{
      proxies: Array<{ name: string; listen: string; upstream: string; enabled: boolean; toxics: unknown[] }>;
    }>();
    expect(Object.keys(body)).toEqual(["proxies"]);
    expect(body.proxies.map((p) => p.name)).toEqual([fresh, replaced.name, kept.name]);
    expect(body.proxies[1]).toMatchObject({ upstream: "127.0.0.1:9", enabled: false });
    expect(body.proxies[2]!.toxics).toHaveLength(1);
    expect(answer.text).toContain(proxyBody(fresh, body.proxies[0]!.listen, up()));
    expect(await tryConnect(replaced.port)).toBe("ECONNREFUSED");
    await api(base, "DELETE", `/proxies/${fresh}`);
  });

  it("POST /populate reports a missing field by position, in a JSON body with the status", async () => {
    const first = uniqueName("pop");
    const answer = await api(base, "POST", "/populate", [
      { name: first, upstream: up() },
      { name: uniqueName("pop") },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.text).toBe(
      '{"error":"missing required field: upstream at proxy 2","status":400,"proxies":null}',
    );
    expect((await api(base, "GET", `/proxies/${first}`)).status).toBe(404);
    const bad = await api(base, "POST", "/populate", "[{");
    expect(bad.status).toBe(400);
    expect(bad.json<{ error: string }>().error).toBe("bad request body: unexpected EOF");
  });
});
