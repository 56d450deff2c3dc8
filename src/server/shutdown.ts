/** Stopping the server process on SIGINT and SIGTERM. */
import type { Logger } from "pino";

/** On the first SIGINT or SIGTERM: logs it, closes the server (the store last), and exits 0. */
export function stopOnSignals(server: { close(): Promise<void> }, logger: Logger): void {
  const stop = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, "sessiond stopping");
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}
