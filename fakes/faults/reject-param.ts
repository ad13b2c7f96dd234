import { z } from "zod";
import type { RenderedBody } from "../types.ts";
import { defineFault } from "./fault.ts";

/**
 * OpenAI-compatible providers that refuse a body key the SUT sends, typically `stream_options`
 * (wire-formats.md A7). Each style answers its reported status and body; requests without the
 * key stream normally.
 */
const STYLES = ["groq", "one-api", "mistral", "bedrock"] as const;
type Style = (typeof STYLES)[number];

const json = { "content-type": "application/json" };

const BODIES: Record<Style, (param: string, value: unknown) => RenderedBody> = {
  // vercel/ai#1578: compact JSON with a trailing newline.
  groq: (param) => ({
    status: 400,
    headers: json,
    body: `${JSON.stringify({
      error: {
        message: `property '${param}' is unsupported${param === "stream_options" ? ", did you mean 'stream'?" : ""}`,
        type: "invalid_request_error",
      },
    })}\n`,
  }),
  // QuantumNous/new-api#418.
  "one-api": (param) => ({
    status: 400,
    headers: json,
    body: JSON.stringify({
      error: {
        message: `Unknown parameter: '${param}'. (request id: 20260221${Date.now() % 1e9}streamchaos)`,
        type: "invalid_request_error",
        param,
        code: "unknown_parameter",
      },
    }),
  }),
  // cline/cline#582: pydantic's extra_forbidden inside an OpenAI-like envelope, status 422.
  mistral: (param, value) => ({
    status: 422,
    headers: json,
    body: JSON.stringify({
      object: "error",
      message: {
        detail: [
          {
            type: "extra_forbidden",
            loc: ["body", param],
            msg: "Extra inputs are not permitted",
            input: value,
          },
        ],
      },
      type: "invalid_request_error",
      param: null,
      code: null,
    }),
  }),
  // BerriAI/litellm#9916: Bedrock names the offending inner key. [I] the JSON envelope.
  bedrock: (param, value) => {
    const inner = typeof value === "object" && value !== null ? Object.keys(value)[0] : undefined;
    return {
      status: 500,
      headers: json,
      body: JSON.stringify({ message: `extraneous key [${inner ?? param}] is not permitted` }),
    };
  },
};

export const rejectParam = defineFault({
  name: "reject-param",
  summary: "refuse requests that carry a body key (default stream_options) the way a strict provider does",
  params: z.strictObject({
    param: z.string().min(1).default("stream_options"),
    style: z.enum(STYLES).default("groq"),
  }),
  defaultPhase: "pre-stream",
  phases: ["pre-stream"],
  positional: false,
  async fire(params, control) {
    const param = params.param ?? "stream_options";
    if (!Object.hasOwn(control.request.body, param)) return "skipped";
    await control.respond(BODIES[params.style ?? "groq"](param, control.request.body[param]));
    return "done";
  },
});
