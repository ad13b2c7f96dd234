import { hardenedBackends } from "../harness/demo.ts";
import { streamchaosSuite } from "../harness/vitest.ts";
import { defineConfig } from "../index.ts";

// What a user's own suite looks like: the public entry, a config, one line.
streamchaosSuite(
  defineConfig({
    backends: hardenedBackends({ python: false }).filter((b) => b.name === "node-openai"),
    edges: ["direct"],
    scenarios: ["happy-path", "pre-401-invalid-key", "mid-connection-fin", "cleanup-missing-terminator"],
    lanes: 1,
  }),
);
