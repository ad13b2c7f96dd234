import type { ProviderName } from "../../fakes/journal-types.ts";

/**
 * What `streamchaos init` writes: a commented config for the user's service and one example
 * scenario. Plain text on purpose: it is the first streamchaos code a user reads and edits.
 */

/** The variables the provider's official SDK reads, so a fresh service needs no code change. */
const PROVIDER_ENV: Record<ProviderName, { url?: string; key?: string; contract: string; note?: string }> = {
  openai: { url: "OPENAI_BASE_URL", key: "OPENAI_API_KEY", contract: "openai-relay" },
  "openai-responses": { url: "OPENAI_BASE_URL", key: "OPENAI_API_KEY", contract: "openai-relay" },
  anthropic: { url: "ANTHROPIC_BASE_URL", key: "ANTHROPIC_API_KEY", contract: "anthropic-relay" },
  gemini: {
    url: "GEMINI_BASE_URL",
    key: "GEMINI_API_KEY",
    contract: "openai-relay",
    note: "use the variable your client reads for Gemini's base URL",
  },
  openrouter: { url: "OPENROUTER_BASE_URL", key: "OPENROUTER_API_KEY", contract: "openai-relay" },
  ollama: { url: "OLLAMA_HOST", contract: "openai-relay" },
};

export interface InitOptions {
  provider: ProviderName;
  command: string;
  /** The backend's name in reports: the project's package name, or "my-service". */
  name: string;
  /** "ts", or "mts" in a CommonJS package (streamchaos is ESM-only; .mts is ESM everywhere). */
  extension: "ts" | "mts";
}

export function configTemplate(options: InitOptions): string {
  const env = PROVIDER_ENV[options.provider];
  const envLines = [
    `        PORT: "{{port}}",`,
    ...(env.url
      ? [
          `        // The fake ${options.provider} provider, through hop C: point your client at it${env.note ? ` (${env.note})` : ""}.`,
          `        ${env.url}: "{{provider.url}}",`,
        ]
      : []),
    ...(env.key
      ? [`        ${env.key}: "sk-streamchaos-fake", // never a real key: nothing leaves this machine`]
      : []),
  ];
  return `import { defineConfig } from "streamchaos";

/**
 * streamchaos runs your backend between a fake ${options.provider} provider and the client, makes the
 * provider (and the network) fail the way they fail in production, and judges from the bytes the
 * client receives whether your backend did the right thing.
 *
 *   npx streamchaos run                          # every scenario, this file
 *   npx streamchaos run --scenario 'pre-*,example-*' --edge nginx
 *   npx streamchaos list                         # the scenarios (yours marked) and their incidents
 */
export default defineConfig({
  backends: [
    {
      name: ${JSON.stringify(options.name)},
      // How to start it. A string runs as \`/bin/sh -c\` of exactly that string; an array is argv.
      command: ${JSON.stringify(options.command)},
      // Templated: {{port}} is the port it must listen on (127.0.0.1), {{provider.url}} the fake's base URL.
      env: {
${envLines.join("\n")}
      },
      // The API your backend calls: the fake renders every scenario in its wire format.
      provider: ${JSON.stringify(options.provider)},
      // How your endpoint speaks: a preset (openai-relay, anthropic-relay, sse-status-delta-done,
      // text-marker) with the path it serves, or your own defineContract({ request, interpret }).
      contract: { preset: ${JSON.stringify(env.contract)}${env.contract === "openai-relay" ? ', path: "/v1/chat/completions"' : ""} },
      // GET it until it answers 2xx before the first scenario.
      healthPath: "/health",
      // Your own bound on a silent provider, if you have one (timeout checks allow this + 2 s).
      // upstreamTimeoutMs: 30_000,
      // If you send SSE keepalives while the provider is silent.
      // keepaliveMs: 15_000,
    },
  ],
  // Between the client and your backend: "direct", "nginx", "caddy", a profile ("nginx:sse-tuned"),
  // or your own config: { edge: "nginx", config: "./deploy/nginx.conf" }.
  edges: ["direct"],
  // Your scenarios: modules default-exporting defineScenario({...}) or an array of them.
  include: ["chaos/**/*.scenario.${options.extension}"],
  // What runs: ids and globs among the built-in scenarios and yours (default: all of them).
  // scenarios: ["pre-*", "mid-*", "example-*"],
  // Your own checks, usable by name in any scenario: checks: [defineCheck({ name, description, run })],
  reporters: ["console", "junit", "markdown"],
  // outDir: ".streamchaos/report",
});
`;
}

export function exampleScenarioTemplate(): string {
  return `import { defineScenario } from "streamchaos";

/**
 * One incident as a scenario: what the provider does, and what must hold at the client. Copy this
 * file for each incident you want never to see again; \`npx streamchaos list\` shows them with the
 * built-in ones, and \`npx streamchaos run --scenario example-provider-cut-mid-answer\` runs it alone.
 */
export default defineScenario({
  id: "example-provider-cut-mid-answer",
  title: "The provider's connection drops after the fifth token",
  incident: "your ticket or postmortem link", // free text
  category: "mid-stream", // free text: \`streamchaos list\` groups by it
  why: "A cut answer must end with the error marker and a clean end, not look complete.",
  // What the fake provider sends, as plain data, rendered in your provider's wire format.
  // Faults: fin, rst, error-event, stall, http-error, malformed-json, ... (README, "Fake providers").
  script: {
    content: { tokens: ["The ", "answer ", "is ", "on ", "its ", "way ", "but ", "never ", "arrives."] },
    pacing: { firstTokenMs: 100, intervalMs: 40 },
    faults: [{ fault: "fin", at: { token: 5 } }],
  },
  // Checks by name: the built-in ones (\`npx streamchaos list --checks\`) or your own (config \`checks\`).
  checks: ["error-marker-after-failure", "clean-termination", "backend-logged-failure", "backend-survived"],
});
`;
}
