import { StreamchaosError } from "../lib/errors.ts";
import { ADMIN_PREFIX } from "./admin.ts";
import type { WaitCondition } from "./journal.ts";
import type { JournalEntry } from "./journal-types.ts";
import type { Script } from "./script.ts";
import type { ScriptMatch } from "./script-book.ts";

/**
 * Drives a fake provider over its admin API (e.g. one running in a container): the same script,
 * journal and wait methods as the in-process handle. Errors carry the server's stable code
 * (FAKE_INVALID_SCRIPT, FAKE_WAIT_TIMEOUT...).
 */
export class FakeProviderClient {
  readonly adminUrl: string;

  constructor(adminUrl: string) {
    this.adminUrl = adminUrl.replace(/\/+$/, "");
  }

  async health(): Promise<{ ok: boolean; providers: string[]; faults: string[] }> {
    return this.#call("GET", "health");
  }

  async setScript(script: Script | unknown): Promise<void> {
    await this.#call("PUT", "script", script);
  }

  async addScript(script: Script | unknown, match: ScriptMatch = {}, times?: number): Promise<number> {
    const out = await this.#call<{ id: number }>("POST", "scripts", {
      script,
      match,
      ...(times === undefined ? {} : { times }),
    });
    return out.id;
  }

  async clearScripts(): Promise<void> {
    await this.#call("DELETE", "scripts");
  }

  async reset(): Promise<void> {
    await this.#call("POST", "reset");
  }

  async journal(): Promise<JournalEntry[]> {
    return this.#call("GET", "journal");
  }

  async entry(id: number): Promise<JournalEntry> {
    return this.#call("GET", `journal/${id}`);
  }

  async clearJournal(): Promise<void> {
    await this.#call("DELETE", "journal");
  }

  /** Long-polls until the condition holds; rejects with code FAKE_WAIT_TIMEOUT after timeoutMs. */
  async waitFor(condition: WaitCondition, timeoutMs = 10_000): Promise<JournalEntry[]> {
    const out = await this.#call<{ entries: JournalEntry[] }>(
      "POST",
      "wait",
      { condition, timeoutMs },
      timeoutMs + 5_000,
    );
    return out.entries;
  }

  async #call<T>(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
    const url = `${this.adminUrl}${ADMIN_PREFIX}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new StreamchaosError("FAKE_ADMIN_UNREACHABLE", {
        what: `The fake provider's admin API did not answer ${method} ${url}`,
        why:
          error instanceof Error
            ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ""}`
            : String(error),
        fix: "Check the admin URL (the fake prints it when it starts) and that the fake is running.",
        cause: error,
      });
    }
    const text = await response.text();
    const json = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
    if (!response.ok) {
      const error = (json.error ?? {}) as {
        code?: string;
        message?: string;
        issues?: Array<{ field: string; message: string }>;
      };
      throw new StreamchaosError(error.code ?? "FAKE_ADMIN_ERROR", {
        what: `The fake provider refused ${method} ${path}`,
        why: `${response.status}: ${error.message ?? text}`,
        details: (error.issues ?? []).map((i) => `${i.field}: ${i.message}`),
      });
    }
    return json as T;
  }
}
