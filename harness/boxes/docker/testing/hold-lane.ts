/**
 * Test fixture: starts a docker lane (network + toxiproxy), prints its session id and "ready", then
 * waits to be interrupted (SIGINT: trackLive must clean up) or killed (SIGKILL: a later sweep must).
 */
import { createDockerRuntime } from "../docker-runtime.ts";

const runtime = await createDockerRuntime({ onWarning: () => {} });
const lane = runtime.forLane(1);
await lane.startToxiproxy(1);
process.stdout.write(`session ${runtime.session.identity.session}\nready\n`);
setInterval(() => {}, 60_000);
