// The watchdog's second half (see watchdog.ts): the run it watched died with its record still on
// disk. Plain JS so that node can start it; it loads the reaping code through tsx, the same code the
// next run's sweep uses. Only ever started after a run died, so tsx's start-up cost is paid then.
import { tsImport } from "tsx/esm/api";

const [file] = process.argv.slice(2);
// However the reaping goes, this process must not outlive it for long.
setTimeout(() => process.exit(1), 30_000).unref();
const { reapAfterOwner } = await tsImport("./reap.ts", import.meta.url);
await reapAfterOwner(file, (line) => process.stderr.write(`${line}\n`));
