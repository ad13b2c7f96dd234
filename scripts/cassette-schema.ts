/**
 * Writes fakes/cassettes/cassette.schema.json from the zod schema (the format's one source).
 * Run after changing fakes/cassettes/cassette.ts: `npx tsx scripts/cassette-schema.ts`.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { cassetteJsonSchema } from "../fakes/cassettes/cassette.ts";

const file = fileURLToPath(new URL("../fakes/cassettes/cassette.schema.json", import.meta.url));
await writeFile(file, `${JSON.stringify(cassetteJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${file}\n`);
