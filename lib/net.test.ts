import { describe, expect, it } from "vitest";
import { isLoopback } from "./net.ts";

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
