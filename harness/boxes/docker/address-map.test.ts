import { describe, expect, it } from "vitest";
import { rewriteAddresses } from "./address-map.ts";

describe("rewriteAddresses", () => {
  const map = new Map([
    ["toxiproxy:10002", "127.0.0.1:32801"],
    ["fake:8080", "127.0.0.1:32790"],
  ]);

  it("rewrites whole internal addresses to the host's mappings", () => {
    expect(rewriteAddresses("http://toxiproxy:10002/v1", map)).toBe("http://127.0.0.1:32801/v1");
    expect(rewriteAddresses("a=fake:8080,b=toxiproxy:10002", map)).toBe(
      "a=127.0.0.1:32790,b=127.0.0.1:32801",
    );
  });

  it("leaves look-alikes alone", () => {
    expect(rewriteAddresses("http://toxiproxy:100021/", map)).toBe("http://toxiproxy:100021/");
    expect(rewriteAddresses("http://mytoxiproxy:10002/", map)).toBe("http://mytoxiproxy:10002/");
    expect(rewriteAddresses("http://a.fake:8080/", map)).toBe("http://a.fake:8080/");
    expect(rewriteAddresses("nothing", new Map())).toBe("nothing");
  });
});
