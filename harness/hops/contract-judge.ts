import type { Contract } from "../contracts/contract.ts";
import { isEventStream, SseRecorder } from "../probe/internal/body-views.ts";
import type { ProbeObservation } from "../probe/observation.ts";
import type { Judge } from "./hop-types.ts";

/**
 * A backend's own signals, read by its contract, for the hops between the client and the backend:
 * the same `interpret()` the checks use reads each hop's body, so a hop and the probe agree on what
 * a done signal and an error marker are. Without it, behind an edge that speaks HTTP/1.0 upstream
 * (nginx's default), a backend's crash is a close-delimited body that looks like an end.
 * Only 2xx bodies are judged; a contract without a done signal judges only its marker.
 *
 * `markerOnly` is for the links to a backend's services: they often speak the backend's format (a
 * relay), but need not, and a body in another format lacks the contract's done signal without being
 * cut. There the judge says only what it can be sure of: the marker, or a done signal it found.
 */
export function contractJudge(contract: Contract, options: { markerOnly?: boolean } = {}): Judge {
  return ({ status, headers, body }) => {
    if (status === undefined || status < 200 || status >= 300) return undefined;
    let view: ReturnType<Contract["interpret"]>;
    try {
      view = contract.interpret(observationOf(status, headers, body));
    } catch {
      // A user's contract written for the probe's live observations: not a judge of a hop then.
      return undefined;
    }
    if (view.errorMarker) return "error-marker";
    if (view.done) return "complete";
    return contract.capabilities.doneSignal && !options.markerOnly ? "incomplete" : undefined;
  };
}

/** The body as the probe would have observed it in one read: what a contract's interpret() reads. */
function observationOf(
  status: number,
  headers: ReadonlyArray<[string, string]>,
  body: Buffer,
): ProbeObservation {
  const text = body.toString("utf8");
  const contentType = headers.findLast(([name]) => name.toLowerCase() === "content-type")?.[1];
  const sse = new SseRecorder();
  const applied = isEventStream(contentType);
  if (applied) sse.feed(text, 0);
  const reads = body.length > 0 ? [{ t: 0, bytes: body }] : [];
  return {
    request: { method: "POST", url: "", headers: {} },
    startedAt: 0,
    reads,
    response: {
      statusCode: status,
      statusText: "",
      httpVersion: "1.1",
      headers: [...headers],
      headersAt: 0,
      framing: "chunked",
    },
    chunks: [],
    body,
    bodyReads: reads,
    terminatorSeen: false,
    complete: false,
    end: { kind: "clean", t: 0 },
    sse: sse.view(text, applied),
    text,
    fetchView: { outcome: "not-run" },
  };
}
