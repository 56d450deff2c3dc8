/**
 * The SQLite database this process opened: the one connection every role shares, the
 * wrappers that turn driver errors into the contract's codes (driver.ts), and the commit
 * hook that announces changed sessions. Every read-then-write runs in
 * an IMMEDIATE transaction, so processes sharing the file serialise their writes.
 */
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { SessiondError } from "../../core/errors.js";
import type { MigrationStep } from "../../core/store/index.js";
import { ChangeListeners } from "../change-listeners.js";
import { sqliteDriver, translate } from "./driver.js";
import { createPrivateDirectory, createPrivateFile } from "../../files/private-files.js";
import { migrate } from "./migrations.js";
import { InlineReader, type Reader, WorkerReader } from "./reader.js";

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement;

/** Prepared statements cached by SQL text, for the queries whose text depends on the filter. */
export class StatementCache {
  private readonly cache = new Map<string, Statement>();
  constructor(private readonly db: Database) {}
  get(sql: string): Statement {
    let statement = this.cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }
}

export class SqliteConnection {
  readonly db: Database;
  readonly statements: StatementCache;
  /** This process's change listeners: told of its own changes after each commit, and of others' on poll (changes.ts). */
  readonly listeners = new ChangeListeners();
  private reader: Reader | null = null;
  private closed = false;
  /** Ids changed by this process in the open transaction, announced once it commits. */
  private pendingChanges: string[] = [];
  private readonly logChange = this.prepared((db) => db.prepare("INSERT INTO session_changes (session_id, changed_at) VALUES (?, ?)"));

  /** Opens (and creates, privately) the file; throws the driver's errors as they are (the store translates them). */
  constructor(private readonly file: { path: string; busyTimeoutMs: number }) {
    if (file.path !== ":memory:") {
      createPrivateDirectory(dirname(file.path));
      createPrivateFile(file.path);
    }
    const Database = sqliteDriver();
    this.db = new Database(file.path, { timeout: file.busyTimeoutMs });
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL"); // an acknowledged write survives power loss, not only a crash
    this.statements = new StatementCache(this.db);
  }

  /** Open and migrated: statements can be prepared (the tables exist). */
  get usable(): boolean {
    return !this.closed && this.reader !== null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Brings the schema up to date; until then every call fails, since no statement can be prepared. */
  migrate(onStep?: (step: MigrationStep) => void): { version: number; applied: number[] } {
    if (this.closed) throw new SessiondError("store_unavailable", "the store is closed");
    const result = migrate(this.db, onStep);
    this.reader ??= this.file.path === ":memory:" ? new InlineReader(this.db, this.statements) : new WorkerReader(this.file);
    return result;
  }

  /** Statements prepared on their first use, which `run` allows only once the schema exists. */
  prepared<Q>(prepare: (db: Database) => Q): () => Q {
    let statements: Q | undefined;
    return () => (statements ??= prepare(this.db));
  }

  /** Runs `work` on this thread; the newest-first order and deadline rules are the memory store's. */
  run<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new SessiondError("store_unavailable", "the store is closed"));
    if (this.reader === null) return Promise.reject(new SessiondError("store_unavailable", "the schema is not migrated yet; run `sessiond migrate`"));
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  /** A read that may be long: through the reader, off the event loop for a file database (reader.ts). */
  heavy<T>(work: (reader: Reader) => Promise<T>): Promise<T> {
    return this.run(() => this.reader!)
      .then(work)
      .catch((error: unknown) => Promise.reject(translate(error)));
  }

  /** Runs `work` in an IMMEDIATE transaction; the sessions it reported through {@link changed} are announced after the commit. */
  immediate<T>(work: () => T): Promise<T> {
    this.pendingChanges = [];
    const done = this.run(() => this.db.transaction(work).immediate());
    const changed = this.pendingChanges;
    this.pendingChanges = [];
    // Announced only after the commit, and not at all when the transaction rolled back.
    if (changed.length === 0) return done;
    return done.then((result) => {
      this.listeners.emit(changed);
      return result;
    });
  }

  /** Inside {@link immediate}: logs a changed session for other processes, and for this one after the commit. */
  changed(id: string, nowMs: number): void {
    this.logChange().run(id, nowMs);
    this.pendingChanges.push(id);
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reader?.close();
    this.db.close();
  }
}
