import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import { UserError } from "../../../lib/errors.ts";

const EXAMPLE = "e.g. --target https://api.openai.com, or http://127.0.0.1:11434 for a local Ollama";

/** The recorder's target: an http(s) base URL; its path, if any, prefixes every forwarded path. */
export function parseTarget(target: string | URL): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UserError("RECORD_BAD_TARGET", {
      what: `Invalid target "${String(target)}"`,
      why: "it is not a URL",
      fix: `Pass the provider's base URL, ${EXAMPLE}.`,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UserError("RECORD_BAD_TARGET", {
      what: `Invalid target "${url.href}"`,
      why: `the recorder forwards HTTP, and ${url.protocol} is not http: or https:`,
      fix: `Pass the provider's base URL, ${EXAMPLE}.`,
    });
  }
  return url;
}

export function targetPort(url: URL): number {
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

/** URL.hostname keeps an IPv6 literal's brackets; sockets want it bare. */
export function targetHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/**
 * Proves the target can be recorded before the user points a backend at the recorder: a TCP
 * connection (else "unreachable"), then one GET of the base URL that must come back as any HTTP
 * response at all (else "not HTTP": an SSH port, a TLS port asked in plain text, a silent socket).
 */
export async function checkTarget(url: URL, timeoutMs: number): Promise<void> {
  await reachable(url, timeoutMs);
  await answersHttp(url, timeoutMs);
}

function reachable(url: URL, timeoutMs: number): Promise<void> {
  const where = `${targetHost(url)}:${targetPort(url)}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: targetHost(url), port: targetPort(url), timeout: timeoutMs });
    const fail = (why: string, cause?: unknown) => {
      socket.destroy();
      reject(
        new UserError("RECORD_TARGET_UNREACHABLE", {
          what: `Cannot reach the target ${url.href}`,
          why,
          fix: `Check the URL and that the provider is up (a fake one: \`streamchaos fake --port 0\`), ${EXAMPLE}.`,
          cause,
        }),
      );
    };
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("timeout", () => fail(`no TCP connection to ${where} within ${timeoutMs} ms`));
    socket.once("error", (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "ECONNREFUSED"
          ? `ECONNREFUSED: nothing listens on ${where}`
          : error.code === "ENOTFOUND" || error.code === "EAI_AGAIN"
            ? `${error.code}: the name ${targetHost(url)} does not resolve`
            : `${error.code ?? "error"}: ${error.message}`;
      fail(why, error);
    });
  });
}

function answersHttp(url: URL, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
      method: "GET",
      headers: { connection: "close", "user-agent": "streamchaos-record (target check)" },
      timeout: timeoutMs,
    });
    const fail = (why: string, cause?: unknown) => {
      request.destroy();
      const tls = url.protocol === "https:";
      reject(
        new UserError("RECORD_TARGET_NOT_HTTP", {
          what: `The target ${url.href} does not answer HTTP${tls ? "S" : ""}`,
          why,
          fix: `Point --target at the provider's HTTP base URL, the one your backend calls (${tls ? "for a plain-HTTP port use http://" : "for a TLS port use https://"}), ${EXAMPLE}.`,
          cause,
        }),
      );
    };
    request.once("response", (response) => {
      response.resume();
      request.destroy();
      resolve();
    });
    request.once("timeout", () =>
      fail(`it accepted the connection but sent no HTTP response within ${timeoutMs} ms`),
    );
    request.once("error", (error: NodeJS.ErrnoException & { rawPacket?: Buffer }) => {
      const sent = error.rawPacket ? ` (it sent ${JSON.stringify(preview(error.rawPacket))})` : "";
      if (error.code?.startsWith("HPE_"))
        fail(`its answer is not an HTTP response${sent}: ${error.code}`, error);
      else if (error.code === "ECONNRESET") fail("it closed the connection without an HTTP response", error);
      else fail(`${error.code ?? "error"}: ${error.message}`, error);
    });
    request.end();
  });
}

function preview(bytes: Buffer): string {
  const text = bytes.subarray(0, 40).toString("latin1");
  return bytes.length > 40 ? `${text}…` : text;
}
