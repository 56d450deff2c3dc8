/** The memory store: the reference implementation of every role, for tests and demos. */
import type {
  ApiKeyStore,
  ChangeFeed,
  CounterStore,
  OutboxStore,
  PolicyStore,
  SessionStore,
  SigningKeyStore,
  Store,
  TemplateStore,
  WebhookStore,
} from "../../core/store/index.js";
import { FlatMethodForwarder } from "../../core/store/flat-methods.js";
import { ChangeListeners } from "../change-listeners.js";
import { MemoryApiKeys } from "./api-keys.js";
import { MemoryChanges } from "./changes.js";
import { MemoryCounters } from "./counters.js";
import { MemoryPolicies } from "./policies.js";
import { MemoryOutbox } from "./outbox.js";
import { MemorySessions } from "./sessions.js";
import { MemorySigningKeys } from "./signing-keys.js";
import { MemoryTemplates } from "./templates.js";
import { MemoryWebhooks } from "./webhooks.js";

export class MemoryStore extends FlatMethodForwarder implements Store {
  readonly sessions: SessionStore;
  readonly apiKeys: ApiKeyStore = new MemoryApiKeys();
  readonly signingKeys: SigningKeyStore = new MemorySigningKeys();
  readonly templates: TemplateStore = new MemoryTemplates();
  readonly policies: PolicyStore = new MemoryPolicies();
  readonly counters: CounterStore = new MemoryCounters();
  readonly changes: ChangeFeed;
  readonly outbox: OutboxStore;
  readonly webhooks: WebhookStore = new MemoryWebhooks();

  constructor() {
    super();
    const listeners = new ChangeListeners();
    const outbox = new MemoryOutbox();
    this.outbox = outbox;
    this.sessions = new MemorySessions(listeners, outbox);
    this.changes = new MemoryChanges(listeners);
  }

  async migrate(): Promise<{ version: number; applied: number[] }> {
    return { version: 1, applied: [] }; // nothing persists, so there is nothing to migrate
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/** A store in this process's memory: for tests and demos; nothing survives a restart. */
export function memoryStore(): MemoryStore {
  return new MemoryStore();
}
