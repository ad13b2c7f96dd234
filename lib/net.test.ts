import { existsSync, readFileSync } from "node:fs";
import { type AddressInfo, createServer, type Server } from "node:net";
import { describe, expect, it } from "vitest";
import { isLoopback, LOOPBACK, reservableRange, reservePort } from "./net.ts";

const RANGE_FILE = "/proc/sys/net/ipv4/ip_local_port_range";

describe("isLoopback", () => {
  it.each(["127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1", "localhost", "LOCALHOST"])(
    "%s is loopback",
    (host) => expect(isLoopback(host)).toBe(true),
  );
  it.each(["0.0.0.0", "::", "192.0.2.2", "10.0.0.1", "fd00::2", "example.test", "127.0.0.1.nip.io"])(
    "%s is not",
    (host) => expect(isLoopback(host)).toBe(false),
  );
});

describe("reservableRange", () => {
  it("takes the ports just below Linux's ephemeral range, none under 1024", () => {
    expect(reservableRange("32768\t60999\n")).toEqual({ low: 24576, high: 32767 });
    expect(reservableRange("10000 65535")).toEqual({ low: 1808, high: 9999 });
  });
  it.each([
    ["no file", null],
    ["an empty file", ""],
    ["text that is not a range", "auto"],
    ["a range the wrong way round", "60999 32768"],
    ["a range past the last port", "32768 70000"],
    ["a range opened down to the privileged ports", "1100 65535"],
  ])("leaves the choice to the OS for %s", (_, text) => expect(reservableRange(text)).toBeUndefined());
});

describe("reservePort", () => {
  const listen = (port: number) =>
    new Promise<Server | undefined>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(undefined));
      server.listen(port, LOOPBACK, () => resolve(server));
    });
  const close = (server: Server) => new Promise((resolve) => server.close(resolve));
  const range = reservableRange(existsSync(RANGE_FILE) ? readFileSync(RANGE_FILE, "utf8") : null);

  it("gives free ports outside the range the OS hands out for port 0, a different one each time", async () => {
    const ports = [];
    for (let i = 0; i < 20; i++) ports.push(await reservePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      if (range) {
        expect(port).toBeGreaterThanOrEqual(range.low);
        expect(port).toBeLessThanOrEqual(range.high);
      }
      const server = await listen(port);
      expect(server, `port ${port} could not be bound`).toBeDefined();
      await close(server!);
    }
  });

  it("passes over ports that something else holds", async () => {
    const first = await reservePort();
    // The ports after it, held: a reservation must not offer any of them.
    const held = (await Promise.all([1, 2, 3].map((n) => listen(first + n)))).filter(
      (s): s is Server => s !== undefined,
    );
    try {
      const heldPorts = held.map((s) => (s.address() as AddressInfo).port);
      const next = await reservePort();
      expect(heldPorts).not.toContain(next);
      const server = await listen(next);
      expect(server).toBeDefined();
      await close(server!);
    } finally {
      await Promise.all(held.map(close));
    }
  });
});
