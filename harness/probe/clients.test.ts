import { describe, expect, it } from "vitest";
import { UserError } from "../../lib/errors.ts";
import { clientsNeedTls, resolveClients } from "./clients.ts";

describe("resolveClients", () => {
  it("defaults to h1 and reads a --client list or a config array, in order, without repeats", () => {
    expect(resolveClients(undefined)).toEqual(["h1"]);
    expect(resolveClients("h2")).toEqual(["h2"]);
    expect(resolveClients("h1, browser,h1")).toEqual(["h1", "browser"]);
    expect(resolveClients(["browser", "h2"])).toEqual(["browser", "h2"]);
  });

  it("an unknown client is a UserError (exit 2) naming the known ones", () => {
    const error = (() => {
      try {
        resolveClients("h1,h3,curl");
      } catch (e) {
        return e;
      }
    })() as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("CLIENT_UNKNOWN");
    expect(error.what).toBe('Unknown client "h3", "curl"');
    expect(error.why).toMatch(/^the clients are h1 \(.*\), h2 \(.*\), browser \(.*\)$/);
    expect(() => resolveClients(" , ")).toThrow(expect.objectContaining({ code: "CLIENT_NONE" }));
  });

  it("h2 and browser need the edges' TLS listener, h1 does not", () => {
    expect(clientsNeedTls(["h1"])).toBe(false);
    expect(clientsNeedTls(["h1", "h2"])).toBe(true);
    expect(clientsNeedTls(["browser"])).toBe(true);
  });
});
