import { describe, expect, test } from "vitest";
import { openaiRelay } from "../contracts/openai-relay.ts";
import { appWouldClose, clientRequest } from "./exchanges.ts";

describe("the request each client makes for one message", () => {
  const withEs = openaiRelay({ eventSource: "/stream?q={message}" });

  test("the browser opens an EventSource-capable contract's GET; h1 and h2 send the contract's request", () => {
    const page = clientRequest({ client: "browser", contract: withEs }, { message: "hi" });
    expect(page.request).toEqual({ method: "GET", path: "/stream?q=hi", headers: {} });
    expect(page.browser.api).toBe("eventsource");
    for (const client of ["h1", "h2"] as const) {
      const { request, browser } = clientRequest({ client, contract: withEs }, { message: "hi" });
      expect(request.method).toBe("POST");
      expect(browser).toEqual({});
    }
  });

  test("a POST-only contract: the browser uses fetch() and carries why not EventSource", () => {
    const { request, browser } = clientRequest(
      { client: "browser", contract: openaiRelay() },
      { message: "hi" },
    );
    expect(request.method).toBe("POST");
    expect(browser.api).toBeUndefined();
    expect(browser.eventSourceNotApplicable).toMatch(/EventSource makes only GET requests/);
  });

  test("the page closes as an app would: on the contract's done signal or its error marker, not before", () => {
    const event = (data: string) => ({ t: 1, data });
    const chunk = event(JSON.stringify({ choices: [{ index: 0, delta: { content: "a" } }] }));
    expect(appWouldClose(withEs, [chunk])).toBeUndefined();
    expect(appWouldClose(withEs, [chunk, event("[DONE]")])).toBe("done signal");
    expect(appWouldClose(withEs, [chunk, event(JSON.stringify({ error: { message: "x" } }))])).toBe(
      "error marker",
    );
  });
});
