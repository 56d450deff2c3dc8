/**
 * Session changes between processes on one Redis (or Redis Cluster, whose pub/sub reaches
 * every node): writers PUBLISH the changed ids after each write, and each process
 * SUBSCRIBEs on one dedicated connection. While it is down the watch reports unhealthy, and
 * every (re)subscription tells listeners to forget everything, since messages are not replayed.
 */
import type { Redis } from "ioredis";
import type { ChangeFeed, ChangeListener, ChangeWatch } from "../../core/store/index.js";
import { ChangeListeners } from "../change-listeners.js";
import { type Client, redisDriver } from "./connection.js";

export class RedisChangeFeed implements ChangeFeed {
  private readonly listeners = new ChangeListeners();
  private subscriber: Client | null = null;
  private subscribed = false;
  private starting: Promise<void> | null = null;

  constructor(
    private readonly publisher: () => Client,
    readonly channel: string,
  ) {}

  /**
   * Announces committed changes: here at once, elsewhere through Redis. A failed PUBLISH is
   * not the write's failure (the write is done); other processes' copies then live at most
   * until their cache's time-to-live. The session role calls it after each write.
   */
  async announce(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    this.listeners.emit(ids);
    await this.publisher()
      .publish(this.channel, ids.join(","))
      .catch(() => undefined);
  }

  /** Other processes' changes arrive by SUBSCRIBE on one dedicated connection, opened on first use. */
  async watch(listener: ChangeListener): Promise<ChangeWatch> {
    const watch = this.listeners.add(listener, { healthy: () => this.subscribed, onEmpty: () => this.stop() });
    this.starting ??= this.start();
    await this.starting;
    return watch;
  }

  private async start(): Promise<void> {
    const publisher = this.publisher();
    // A cluster's duplicate subscribes through one node; cluster pub/sub reaches every node.
    const subscriber = (
      publisher instanceof redisDriver().Cluster ? publisher.duplicate() : (publisher as Redis).duplicate({ autoResubscribe: false })
    ) as Client;
    this.subscriber = subscriber;
    const lost = () => {
      if (!this.subscribed) return;
      this.subscribed = false;
      this.listeners.emit(null);
    };
    const subscribe = async () => {
      try {
        await subscriber.subscribe(this.channel);
        this.subscribed = true;
        // Changes made before the subscription took effect were not heard: start clean.
        this.listeners.emit(null);
      } catch {
        lost();
      }
    };
    subscriber.on("error", () => undefined);
    subscriber.on("close", lost);
    subscriber.on("end", lost);
    subscriber.on("ready", () => void subscribe());
    subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel && message !== "") this.listeners.emit(message.split(","));
    });
    await new Promise<void>((resolve) => {
      if (subscriber.status === "ready") return resolve();
      subscriber.once("ready", () => resolve());
      setTimeout(resolve, 2000).unref(); // unreachable now: unhealthy until it connects
    });
    if (!this.subscribed && subscriber.status === "ready") await subscribe();
  }

  async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    this.subscribed = false;
    this.starting = null;
    if (subscriber !== null) {
      subscriber.removeAllListeners();
      subscriber.on("error", () => undefined);
      subscriber.disconnect();
    }
  }
}
