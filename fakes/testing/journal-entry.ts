import type { Journal, LiveEntry } from "../journal.ts";

/** Opens an entry of an OpenAI chat request in `journal`, as the server opens one, for unit tests. */
export function openTestEntry(journal: Journal, received = 1): LiveEntry {
  return journal.open({
    provider: "openai",
    method: "POST",
    path: "/v1/chat/completions",
    query: "",
    headers: {},
    body: {},
    script: "default",
    t: { received },
  });
}
