#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader so no build step stands between a clone and a run.
import { tsImport } from "tsx/esm/api";

const { main } = await tsImport("../cli/main.ts", import.meta.url);
process.exitCode = await main(process.argv.slice(2));
