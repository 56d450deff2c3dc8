/**
 * A concurrent create/refresh/revoke load against a running server that writes down only
 * what the server acknowledged (a 200), and the audit that checks, after a crash, that all
 * of it is still there.
 */

/** One session as the clients know it: its newest acknowledged token and what is not known. */
export interface Tracked {
  id: string;
  /** The token of the create, or of the last refresh answered 200. */
  token: string;
  /** A revoke of it was answered 200. */
  revoked: boolean;
  /** A refresh or revoke was sent but never answered 200: it may or may not have been applied. */
  unknown: "refresh" | "revoke" | null;
}

export type Verb = "create" | "refresh" | "revoke";

export interface Ledger {
  sessions: Tracked[];
  /** Answered 200. */
  acknowledged: Record<Verb, number>;
  /** Sent, but the connection failed before an answer (the crash): outcome unknown. */
  inFlight: Record<Verb, number>;
  /** Answered, but not 200, by `status code` (a store crash answers 503 store_unavailable). */
  refused: Record<string, number>;
}

export interface Load {
  ledger: Ledger;
  /** Lets each worker finish the request it has out, sends no more, and resolves when all are done. */
  stop(): Promise<Ledger>;
}

/** What the load reads of an answer: the session's id and token on success, the error code otherwise. */
interface Answer {
  status: number;
  body: { id: string; token: string; errors?: { code: string }[] };
}

async function post(url: string, key: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer["body"] };
}

const zero = (): Record<Verb, number> => ({ create: 0, refresh: 0, revoke: 0 });

/**
 * Starts `workers` clients, each looping over its own sessions one request at a time (so no
 * two requests race on one session): create while it has fewer than 4 live sessions or half
 * the time, else refresh (30 %) or revoke (20 %) one of them.
 */
export function startLoad(url: string, key: string, workers: number): Load {
  const ledger: Ledger = { sessions: [], acknowledged: zero(), inFlight: zero(), refused: {} };
  let running = true;

  const worker = async (n: number): Promise<void> => {
    const live: Tracked[] = [];
    for (let i = 0; running; i++) {
      const roll = Math.random();
      const verb: Verb = live.length < 4 || roll < 0.5 ? "create" : roll < 0.8 ? "refresh" : "revoke";
      const target = verb === "create" ? undefined : live.splice(Math.floor(Math.random() * live.length), 1)[0]!;
      let answer: Answer;
      try {
        answer =
          verb === "create"
            ? await post(url, key, "/v1/sessions", { user_id: `w${n}-u${i % 7}` })
            : verb === "refresh"
              ? await post(url, key, "/v1/sessions/refresh", { token: target!.token })
              : await post(url, key, `/v1/sessions/${target!.id}/revoke`);
      } catch {
        // The connection died with the server: whatever this request did is unknown. A create
        // left no trace the client knows of; a refresh or revoke leaves its session undecided.
        ledger.inFlight[verb]++;
        if (target !== undefined) target.unknown = verb as "refresh" | "revoke";
        return;
      }
      if (answer.status !== 200) {
        const reason = `${answer.status} ${answer.body?.errors?.[0]?.code ?? "?"}`;
        ledger.refused[reason] = (ledger.refused[reason] ?? 0) + 1;
        // A 503 may still have been applied (the store wrote it, the answer was lost).
        if (target !== undefined) target.unknown = verb as "refresh" | "revoke";
        continue;
      }
      ledger.acknowledged[verb]++;
      if (verb === "create") {
        const created: Tracked = { id: answer.body.id, token: answer.body.token, revoked: false, unknown: null };
        ledger.sessions.push(created);
        live.push(created);
      } else if (verb === "refresh") {
        target!.token = answer.body.token; // only now is the new token known to be stored
        live.push(target!);
      } else target!.revoked = true;
    }
  };

  const done = Promise.all(Array.from({ length: workers }, (_, n) => worker(n)));
  return {
    ledger,
    stop: async () => {
      running = false;
      await done;
      return ledger;
    },
  };
}

/** One acknowledged write that the store no longer holds. */
export interface Loss {
  id: string;
  expected: string;
  got: string;
}

/**
 * Verifies every tracked session's newest acknowledged token. The refresh grace must outlast
 * the crash and the audit: a refresh that was applied but never answered leaves the
 * acknowledged token superseded, and SPEC §3 lets it verify only within the grace.
 * - acknowledged revoke → 401 `session_revoked`;
 * - revoke with unknown outcome → 200 or `session_revoked`;
 * - anything else (a create, acknowledged refreshes, a refresh with unknown outcome) → 200.
 */
export async function audit(url: string, key: string, ledger: Ledger, concurrency = 16): Promise<Loss[]> {
  const losses: Loss[] = [];
  const queue = [...ledger.sessions];
  const auditor = async (): Promise<void> => {
    for (let s = queue.pop(); s !== undefined; s = queue.pop()) {
      const r = await post(url, key, "/v1/sessions/verify", { token: s.token });
      const got = r.status === 200 ? "valid" : String(r.body?.errors?.[0]?.code ?? r.status);
      const allowed = s.revoked ? ["session_revoked"] : s.unknown === "revoke" ? ["valid", "session_revoked"] : ["valid"];
      if (!allowed.includes(got)) losses.push({ id: s.id, expected: allowed.join(" or "), got });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, auditor));
  return losses;
}
