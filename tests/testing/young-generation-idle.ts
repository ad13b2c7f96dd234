/**
 * Child of tests/idle-heap.int.test.ts: grows V8's new space to its most, goes idle for argv[3] ms
 * with an IdleHeapHold (argv[2] "keep": as the fake has it; "control": the same hold allocating
 * nothing), then allocates until a scavenge has run, and prints the new space's committed size
 * before the idle and after that scavenge as one JSON line. Run with --max-semi-space-size=4 so that
 * the low allocation rate V8 shrinks at (1,000 bytes/ms) is reached after a few seconds of idle.
 * Grown to its most, the new space cannot be due to grow at the scavenge after the idle as well,
 * which V8 settles by leaving it as it is (seen on a busy machine, with the control grown halfway).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { getHeapSpaceStatistics } from "node:v8";
import { allocateYoungGarbage, IdleHeapHold } from "../../lib/idle-heap.ts";

const mode = process.argv[2];
if (mode !== "keep" && mode !== "control") throw new Error(`usage: young-generation-idle.ts keep|control`);
const idleMs = Number(process.argv[3] ?? 7_000);

const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === "new_space")!;
const committed = () => newSpace().physical_space_size;

using hold = new IdleHeapHold(mode === "keep" ? {} : { allocate: () => {} });
hold.busyChanged(true);
/** Both semi-spaces at --max-semi-space-size=4. */
const MOST = 2 * 4 * 1024 * 1024;
// Survivors: what makes V8 grow the new space (a burst's sockets and requests in the fake).
for (let round = 0; committed() < MOST; round++) {
  if (round === 50)
    throw new Error(
      `the new space grew to ${committed()} bytes, not ${MOST}: run with --max-semi-space-size=4`,
    );
  let kept: object[] = [];
  for (let i = 0; i < 200_000; i++) kept.push({ i, text: `item ${i}` });
  kept = [];
  allocateYoungGarbage(8 * 1024 * 1024);
}
const grown = committed();
hold.busyChanged(false);
await sleep(idleMs);
hold.busyChanged(true);
// A scavenge empties the new space: used falling below what was allocated since is one.
let scavenged = false;
for (let i = 0; i < 1_000 && !scavenged; i++) {
  const before = newSpace().space_used_size;
  allocateYoungGarbage(256 * 1024);
  scavenged = newSpace().space_used_size < before;
}
console.log(JSON.stringify({ grown, after: committed(), scavenged }));
