import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { KEY_FILE_NAME, resolveKeyEncryptionKey } from "./key-encryption.js";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("the generated key-encryption key", () => {
  it("is written 0600 into a data directory created 0700, whatever the umask", () => {
    const root = mkdtempSync(join(tmpdir(), "sessiond-kek-"));
    for (const umask of [0o000, 0o022, 0o277]) {
      const previous = process.umask(umask);
      try {
        const dir = join(root, `u${umask.toString(8)}`, "data");
        const source = resolveKeyEncryptionKey(`sqlite:${join(dir, "sessiond.db")}`, undefined);
        assert.equal(source.origin, "generated-file");
        assert.equal(mode(dir), 0o700, `data directory, umask ${umask.toString(8)}`);
        assert.equal(mode(dirname(dir)), 0o700, "a missing parent it created too");
        assert.equal(mode(join(dir, KEY_FILE_NAME)), 0o600, `key file, umask ${umask.toString(8)}`);
      } finally {
        process.umask(previous);
      }
    }
  });

  it("leaves an operator's existing directory as it is, and reads the same key again", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "sessiond-kek-")), "data");
    mkdirSync(dir, { mode: 0o750 });
    chmodSync(dir, 0o750);
    const first = resolveKeyEncryptionKey(`sqlite:${join(dir, "s.db")}`, undefined);
    assert.equal(mode(dir), 0o750);
    assert.equal(mode(join(dir, KEY_FILE_NAME)), 0o600);
    const again = resolveKeyEncryptionKey(`sqlite:${join(dir, "s.db")}`, undefined);
    assert.deepEqual([again.origin, again.key], ["key-file", first.key]);
  });
});
