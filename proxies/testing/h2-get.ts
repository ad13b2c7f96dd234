import { connect, constants } from "node:http2";
import type { TLSSocket } from "node:tls";

/**
 * An HTTP/2 GET over TLS for edge tests: what ALPN chose and how the stream ended, as Node's http2
 * client reports it. (The frame-level probe lives in harness/probe/; this only needs the outcome.)
 */
export interface H2Response {
  alpn: string | false;
  status?: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** `end-stream`: a clean END_STREAM; `rst`: RST_STREAM with `rstCode`; `error`: anything else. */
  end: "end-stream" | "rst" | "error";
  rstCode?: number;
  error?: string;
}

export function h2Get(origin: string, path: string, ca: string, timeoutMs = 15_000): Promise<H2Response> {
  return new Promise((resolve) => {
    const session = connect(origin, { ca });
    const result: H2Response = { alpn: false, headers: {}, body: "", end: "error" };
    const done = (patch: Partial<H2Response>) => {
      Object.assign(result, patch);
      clearTimeout(timer);
      session.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ end: "error", error: `no end within ${timeoutMs}ms` }), timeoutMs);
    session.on("error", (error) => done({ end: "error", error: error.message }));
    session.on("connect", () => {
      result.alpn = (session.socket as TLSSocket).alpnProtocol ?? false;
    });
    const request = session.request({ ":path": path, accept: "text/event-stream" });
    request.setEncoding("utf8");
    request.on("response", (headers) => {
      result.status = Number(headers[":status"]);
      result.headers = headers;
    });
    request.on("data", (text: string) => {
      result.body += text;
    });
    request.on("error", () => {});
    request.on("close", () => {
      const code = request.rstCode ?? constants.NGHTTP2_NO_ERROR;
      if (code === constants.NGHTTP2_NO_ERROR && request.readableEnded) done({ end: "end-stream" });
      else done({ end: "rst", rstCode: code });
    });
  });
}
