/**
 * Where the SQLite store's heavy reads run (lists, who is online, stats). better-sqlite3 is
 * synchronous: on the server's event loop, one tenant's long read held every other request
 * (verifies, /healthz) for as long. A file database reads on a read-only connection in a
 * worker thread instead; WAL lets it read while the main connection writes. Each call reads
 * one snapshot (one read transaction) that includes every write this process committed
 * before the call.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Database } from "better-sqlite3";
import { SessiondError } from "../../core/errors.js";
import type { Row } from "../sql/rows.js";
import type { ReadStep } from "./counts.js";
import type { StatementCache } from "./connection.js";
import { sqliteDriver } from "./driver.js";

/** Runs read steps in one snapshot and answers each step's rows. */
export interface Reader {
  read(steps: readonly ReadStep[]): Promise<Row[][]>;
  close(): Promise<void>;
}

/** On the store's own connection, on this thread: for `:memory:`, which no other connection can open. */
export class InlineReader implements Reader {
  constructor(
    private readonly db: Database,
    private readonly statements: StatementCache,
  ) {}

  read(steps: readonly ReadStep[]): Promise<Row[][]> {
    try {
      return Promise.resolve(this.db.transaction(() => steps.map((s) => this.statements.get(s.sql).all(s.params) as Row[]))());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {}
}

/**
 * The worker's program, plain JavaScript evaluated in the thread: Node 20 applies no module
 * loader hooks to workers, so a TypeScript file could not run there under the test runner,
 * and the build emits no plain .js file. It only prepares and runs the statements it is sent.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs });
const statements = new Map();
const prepare = (sql) => {
  let statement = statements.get(sql);
  if (statement === undefined) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
};
const readAll = db.transaction((steps) => steps.map((step) => prepare(step.sql).all(step.params)));
parentPort.on("message", ({ id, steps }) => {
  try {
    parentPort.postMessage({ id, rows: readAll(steps) });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

interface Pending {
  resolve(rows: Row[][]): void;
  reject(error: unknown): void;
}

type Reply = { id: number; rows: Row[][] } | { id: number; error: { message: string; code: unknown } };

/** A read-only connection in a worker thread, started on the first read and again after a crash. */
export class WorkerReader implements Reader {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: { path: string; busyTimeoutMs: number }) {}

  read(steps: readonly ReadStep[]): Promise<Row[][]> {
    if (this.closed) return Promise.reject(new SessiondError("store_unavailable", "the store is closed"));
    const worker = this.worker ?? this.start();
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Only a read in flight keeps the process alive: an idle store must not hold a CLI open.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, steps });
    });
  }

  private start(): Worker {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, ...this.options } });
    worker.unref();
    worker.on("message", (reply: Reply) => this.settle(reply));
    // A worker that cannot open the file or dies fails what it held; the next read starts a new one.
    worker.on("error", (error) => this.fail(worker, new SessiondError("store_unavailable", "the SQLite reader thread failed", { cause: error })));
    worker.on("exit", (code) => this.fail(worker, new SessiondError("store_unavailable", `the SQLite reader thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (waiting === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ("rows" in reply) waiting.resolve(reply.rows);
    else
      waiting.reject(
        typeof reply.error.code === "string" ? new (sqliteDriver().SqliteError)(reply.error.message, reply.error.code) : new Error(reply.error.message),
      );
  }

  private fail(worker: Worker, error: SessiondError): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(error);
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (worker === null) return;
    this.fail(worker, new SessiondError("store_unavailable", "the store is closed"));
    await worker.terminate();
  }
}
