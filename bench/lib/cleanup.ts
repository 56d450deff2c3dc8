/**
 * Everything a run creates (child servers, temp files, Postgres schemas, Redis prefixes,
 * a Redis Cluster) registers its undo here; it runs newest first at the end of the run,
 * on Ctrl-C, and on a failure.
 */
const undo: { label: string; run: () => Promise<void> | void }[] = [];

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

export async function cleanupAll(): Promise<void> {
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
    void cleanupAll().finally(() => process.exit(130));
  });
