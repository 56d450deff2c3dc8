/**
 * Everything a run creates (child servers, temp files, Postgres schemas, Redis prefixes,
 * a Redis Cluster) registers its undo here; it runs newest first at the end of the run,
 * on Ctrl-C, and on a failure.
 */
const undo: { label: string; run: () => Promise<void> | void }[] = [];
let lastWords: () => void = () => undefined;

/** What to print when the run is interrupted (the results so far), before cleaning up. */
export function onInterrupt(say: () => void): void {
  lastWords = say;
}

export function onCleanup(label: string, run: () => Promise<void> | void): () => Promise<void> {
  const entry = { label, run };
  undo.push(entry);
  return async () => {
    const at = undo.indexOf(entry);
    if (at < 0) return;
    undo.splice(at, 1);
    await entry.run();
  };
}

let cleaning: Promise<void> | undefined;

/** Undoes everything; a second call (a signal during the normal end) waits for the first. */
export function cleanupAll(): Promise<void> {
  cleaning ??= drain().finally(() => (cleaning = undefined));
  return cleaning;
}

async function drain(): Promise<void> {
  while (undo.length > 0) {
    const entry = undo.pop()!;
    try {
      await entry.run();
    } catch (error) {
      process.stderr.write(`cleanup of ${entry.label} failed: ${(error as Error).message}\n`);
    }
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    lastWords();
    void cleanupAll().finally(() => process.exit(130));
  });
