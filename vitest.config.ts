import { defineConfig } from "vitest/config";

// Unit tests sit beside the code (`*.test.ts`); integration suites start real processes
// (`*.int.test.ts`) and run one file at a time so that timing checks hold on a busy 2-core machine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "*.test.ts",
            "{lib,runtime,fakes,harness,proxies,scenarios,reports,cli,examples,bench}/**/*.test.ts",
          ],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: [
            "{lib,runtime,fakes,harness,proxies,scenarios,reports,cli,examples,tests}/**/*.int.test.ts",
          ],
          exclude: ["**/node_modules/**"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
