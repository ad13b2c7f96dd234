import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../lib/errors.ts";
import { runBrowserRequest } from "./browser-request.ts";
import { CHROMIUM_INSTALL, chromiumAvailable, launchBrowserClient } from "./chromium.ts";

const MISSING = "/nonexistent/streamchaos/chromium";

describe("browser client without Chromium", () => {
  it("availability says why and how to install it", async () => {
    expect(await chromiumAvailable(MISSING)).toEqual({
      ok: false,
      reason: `${MISSING} does not exist`,
      install: "apt-get install -y chromium",
    });
    const notExecutable = await chromiumAvailable(import.meta.filename);
    expect(notExecutable.ok).toBe(false);
  });

  it("is skipped with the reason and the install command, never a crash", async () => {
    const launch = await launchBrowserClient({ executablePath: MISSING });
    expect(launch).toEqual({
      ok: false,
      skip: { reason: `browser client skipped: ${MISSING} does not exist`, install: CHROMIUM_INSTALL },
    });
  });

  it("is a UserError (exit 2) when the run requires the browser", async () => {
    const error = await launchBrowserClient({ executablePath: MISSING, required: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe("BROWSER_UNAVAILABLE");
    expect((error as UserError).message).toContain("apt-get install -y chromium");
    expect((error as UserError).fix).toContain("leave browser out of --client");
  });
});

describe("browser request options", () => {
  // Checked before the browser is touched.
  const noBrowser = {} as Browser;

  it("EventSource only suits a GET with no body and no headers", async () => {
    for (const bad of [{ body: "x" }, { method: "POST" }, { headers: { Authorization: "Bearer x" } }]) {
      const error = await runBrowserRequest(noBrowser, "0", {
        url: "https://127.0.0.1:1/events",
        api: "eventsource",
        ...bad,
      }).catch((e: unknown) => e);
      expect((error as UserError).code).toBe("BROWSER_EVENTSOURCE_UNSUITED");
    }
  });

  it("the page sits at the edge's TLS origin: an http:// URL is refused", async () => {
    const error = await runBrowserRequest(noBrowser, "0", { url: "http://127.0.0.1:1/x" }).catch(
      (e: unknown) => e,
    );
    expect((error as UserError).code).toBe("PROBE_BAD_URL");
  });
});
