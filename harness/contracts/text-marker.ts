import { type Contract, type ContractPresetOptions, emptyView } from "./contract.ts";

/**
 * The plain-text stream of incident 000: raw tokens as text/plain, and on a mid-stream failure the
 * marker `<!--STREAM_ERROR:message-->` at the very end. There is no done signal: a truncation hidden
 * behind a clean terminator is invisible to this contract, and the checks say so.
 */
export const STREAM_ERROR_MARKER = /\n?\n?<!--STREAM_ERROR:([\s\S]*?)-->$/;

export function textMarker(options: ContractPresetOptions = {}): Contract {
  return {
    name: "text-marker",
    description: "text/plain stream, `<!--STREAM_ERROR:...-->` marker at the end on failure (incident 000)",
    framing: "text",
    // text/plain has no keepalive form and no done signal; incident 000's chatbot had no sessions.
    capabilities: {
      sessions: false,
      keepalives: false,
      doneSignal: false,
      errorMarker: true,
      ...options.capabilities,
    },
    request: ({ message, sessionId }) => ({
      method: "POST",
      path: options.path ?? "/chatbot/chat",
      headers: { "content-type": "application/json", accept: "text/plain" },
      body: { message, ...(sessionId ? { session_id: sessionId } : {}) },
    }),
    interpret: (observation) => {
      const view = emptyView();
      const decoder = new TextDecoder();
      for (const read of observation.bodyReads) {
        const text = decoder.decode(read.bytes, { stream: true });
        if (text) view.tokens.push({ t: read.t, text });
      }
      const tail = decoder.decode();
      const last = observation.bodyReads.at(-1);
      if (tail && last) view.tokens.push({ t: last.t, text: tail });
      let text = view.tokens.map((token) => token.text).join("");
      const match = STREAM_ERROR_MARKER.exec(text);
      if (match) {
        view.errorMarker = { t: last?.t ?? observation.end.t, message: match[1] ?? "", raw: match[0] };
        text = text.slice(0, match.index);
      }
      view.text = text;
      return view;
    },
  };
}
