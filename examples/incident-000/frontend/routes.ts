/**
 * The route handler of incident 000's Next.js frontend (`/api/proxy/[...path]/route.ts`): fetch the
 * backend with undici and hand its body to the client. `naive` is the code the incident started
 * with; `fixed` is what it needed.
 */
import { log } from "./log.ts";

export type RouteHandler = (request: Request, backendUrl: string) => Promise<Response>;

/** Where `/api/proxy/<path>` goes on the backend. */
export function backendTarget(request: Request, backendUrl: string): string {
  const { pathname, search } = new URL(request.url);
  return `${backendUrl}/${pathname.replace(/^\/api\/proxy\/?/, "")}${search}`;
}

async function callBackend(request: Request, backendUrl: string): Promise<Response> {
  return fetch(backendTarget(request, backendUrl), {
    method: request.method,
    headers: { "content-type": request.headers.get("content-type") ?? "application/json" },
    body: await request.text(),
    signal: request.signal,
  });
}

/**
 * The incident's route: whatever the backend answers streams straight through. A backend that
 * closes after its 200 (incident 000 issue 1) or mid-body (issue 2) makes the body reader fail with
 * `TypeError: terminated` (cause `SocketError: other side closed`) while the host pipes it: Next.js
 * logs `failed to pipe response` and drops the connection (next-host.ts).
 */
export const naiveRoute: RouteHandler = async (request, backendUrl) => {
  const upstream = await callBackend(request, backendUrl);
  return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
};

/** The app's in-band error, the backend's own shape (examples/fastapi-backend): one line, no `-->`. */
export function marker(message: string): string {
  return `\n\n<!--STREAM_ERROR:${message.replaceAll("-->", "- ->").split(/\s+/).join(" ")}-->`;
}

/** `TypeError: terminated (SocketError: other side closed)`: the error and its causes, one line. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 4; e = (e as { cause?: unknown }).cause) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    if (!(e instanceof Error)) break;
  }
  return parts.join(" <- ");
}

function jsonError(status: number, detail: string): Response {
  return Response.json({ detail }, { status });
}

/**
 * The fixed route: the backend's status is checked before anything streams (an error status goes
 * through as it came); the first chunk is awaited before the 200 is committed, so a backend that
 * dies before it is a 502 with a JSON detail; a cut after it becomes the app's error marker and a
 * clean end. A client that leaves aborts the backend call (request.signal).
 */
export const fixedRoute: RouteHandler = async (request, backendUrl) => {
  let upstream: Response;
  try {
    upstream = await callBackend(request, backendUrl);
  } catch (error) {
    log("ERROR", "backend unreachable", { cause: describeError(error) });
    return jsonError(502, `backend unreachable: ${describeError(error)}`);
  }
  if (!upstream.ok || upstream.body === null) {
    const body = await upstream.arrayBuffer().catch(() => new ArrayBuffer(0));
    const type = upstream.headers.get("content-type") ?? "application/json";
    return new Response(body, { status: upstream.status, headers: { "content-type": type } });
  }
  const reader = upstream.body.getReader();
  let first: Awaited<ReturnType<typeof reader.read>>;
  try {
    first = await reader.read();
  } catch (error) {
    log("ERROR", "backend failed before its first chunk", { cause: describeError(error) });
    return jsonError(502, `backend failed before its first chunk: ${describeError(error)}`);
  }
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(first.value);
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        if (request.signal.aborted) return controller.close();
        log("ERROR", "backend stream failed mid-way, ending with the marker", {
          cause: describeError(error),
        });
        controller.enqueue(encoder.encode(marker(describeError(error))));
        controller.close();
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: upstream.status,
    headers: {
      "content-type": upstream.headers.get("content-type") ?? "text/plain; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
};
