// The watchdog's second half (see watchdog.ts): the run it watched died with its record still on
// disk. Plain JS so that node can start it; it loads the reaping code the next run's sweep uses:
// compiled beside it in the package (the build copies this file into dist/), through tsx from the
// sources. Only ever started after a run died, so tsx's start-up cost is paid then.
import { existsSync } from "node:fs";

const [file] = process.argv.slice(2);
// However the reaping goes, this process must not outlive it for long.
setTimeout(() => process.exit(1), 30_000).unref();
const source = new URL("./reap.ts", import.meta.url);
const { reapAfterOwner } = existsSync(source)
  ? await (await import("tsx/esm/api")).tsImport(source.href, import.meta.url)
  : await import("./reap.js");
await reapAfterOwner(file, (line) => process.stderr.write(`${line}\n`));
