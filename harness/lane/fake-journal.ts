import type { FakeProviderClient } from "../../fakes/index.ts";
import type { JournalEntry } from "../../fakes/journal-types.ts";
import type { Exchange } from "../checks/check.ts";

/** Whether the probe request tagged `nonce` caused this entry: the backend forwards the user message. */
export function carriesNonce(entry: JournalEntry, nonce: string): boolean {
  return JSON.stringify(entry.body).includes(nonce);
}

/** The fake's journal entries caused by one probe request. */
export function upstreamFor(journal: JournalEntry[], exchange: Exchange): JournalEntry[] {
  return journal.filter((entry) => carriesNonce(entry, exchange.nonce));
}

/**
 * The probe is done, but the backend may still be closing its provider call: wait (bounded) until
 * every journal entry of this scenario has ended, so cancellation checks see the final truth.
 * The journal was reset when the scenario began, so it holds this scenario's entries only.
 */
export async function settledJournal(fake: FakeProviderClient): Promise<JournalEntry[]> {
  const journal = await fake.journal();
  if (journal.every((e) => e.outcome !== "in-progress")) return journal;
  await fake.waitFor({ event: "response-ended", count: journal.length }, 3_000).catch(() => {});
  return fake.journal();
}
