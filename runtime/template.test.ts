import { describe, expect, it } from "vitest";
import { UserError } from "../lib/errors.ts";
import { renderTemplate, templatePlaceholders } from "./template.ts";

describe("renderTemplate", () => {
  it("fills flat and nested dotted placeholders", () => {
    const out = renderTemplate("OPENAI_BASE_URL={{ provider.openai.url }} PORT={{port}} x={{flag}}", {
      port: 4123,
      flag: true,
      provider: { openai: { url: "http://127.0.0.1:9000/v1" } },
    });
    expect(out).toBe("OPENAI_BASE_URL=http://127.0.0.1:9000/v1 PORT=4123 x=true");
  });

  it("prefers a flat key that contains dots", () => {
    expect(renderTemplate("{{a.b}}", { "a.b": "flat", a: { b: "nested" } })).toBe("flat");
  });

  it("rejects an unknown placeholder, naming it and the known ones", () => {
    let error: unknown;
    try {
      renderTemplate(
        "{{port}} {{provider.opneai.url}}",
        { port: 1, provider: { openai: { url: "u" } } },
        "env",
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const e = error as UserError;
    expect(e.code).toBe("TEMPLATE_UNKNOWN_PLACEHOLDER");
    expect(e.what).toContain("{{provider.opneai.url}}");
    expect(e.what).toContain("in env");
    expect(e.why).toContain("{{port}}");
    expect(e.why).toContain("{{provider.openai.url}}");
  });

  it("does not resolve a placeholder that names an object", () => {
    expect(() => renderTemplate("{{provider}}", { provider: { url: "u" } })).toThrow(/provider\.url/);
  });

  it("lists placeholders once each", () => {
    expect(templatePlaceholders("{{a}} {{b.c}} {{a}}")).toEqual(["a", "b.c"]);
  });
});
