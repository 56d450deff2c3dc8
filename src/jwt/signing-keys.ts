/**
 * The signing keys of session JWTs (SPEC §6), shared by every server on a store.
 *
 * Keys are Ed25519. Private keys are sealed with AES-256-GCM under a key derived from
 * `SESSIOND_KEY_ENCRYPTION_KEY`, with the kid as associated data, so the store never
 * holds a usable private key and a sealed key cannot be moved to another kid.
 *
 * Rotation keeps tokens in flight verifiable: a new key is published at once but signs
 * only after {@link PUBLISH_LEAD_MS}, so every app's JWKS cache can learn it first; the
 * old key signs until then and stays published until every token it signed has expired.
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, generateKeyPairSync, hkdfSync, type KeyObject, randomBytes } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { SessiondError, isSessiondError } from "../core/errors.js";
import { MAX_JWT_LIFETIME_SECONDS, type SessionClaims, type TokenSigner } from "../core/jwt-claims.js";
import type { SigningKeyRecord, SigningKeyStore, Store } from "../core/store/index.js";
import { loadJose } from "./jose.js";

/** How long a new key is published before it signs: longer than JWKS caches refuse to refetch. */
export const PUBLISH_LEAD_MS = 60_000;
/** Allowance for clocks of verifiers running a little behind. */
export const CLOCK_SKEW_MS = 60_000;
/** How long the key list is cached per process; a new key reaches every server's JWKS within this. */
export const KEY_CACHE_MS = 1_000;
const ALGORITHM = "EdDSA";
const SEAL_VERSION = "v1";

/** A public key as the JWKS publishes it. */
export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: string;
  use: "sig";
}

export interface SigningKeysOptions {
  /** The store's signing-key role, or a whole store (its `signingKeys` are used). */
  store: SigningKeyStore | Pick<Store, "signingKeys">;
  /** The secret that seals private keys; null: this deployment cannot mint (shared store without a key). */
  keyEncryptionKey: string | null;
  clock: Clock;
}

/** What a rotation did. */
export interface Rotation {
  kid: string;
  /** Keys that now sign nothing new, and when each leaves the JWKS. */
  retired: { kid: string; retireAt: number }[];
  /** When the new key starts signing. */
  signsFrom: number;
}

export class SigningKeys implements TokenSigner {
  private readonly store: SigningKeyStore;
  private readonly sealingKey: Buffer | null;
  private readonly clock: Clock;
  private cached: { at: number; keys: SigningKeyRecord[] } | null = null;
  private readonly opened = new Map<string, KeyObject>();

  constructor(options: SigningKeysOptions) {
    this.store = "signingKeys" in options.store ? options.store.signingKeys : options.store;
    this.clock = options.clock;
    this.sealingKey = options.keyEncryptionKey === null ? null : deriveSealingKey(options.keyEncryptionKey);
  }

  /** Whether this process can sign (it holds a key-encryption key). */
  get canSign(): boolean {
    return this.sealingKey !== null;
  }

  /** Signs claims with the current key, creating the first key when the store has none. */
  async sign(claims: SessionClaims): Promise<string> {
    return this.signTyped({ ...claims }, "JWT");
  }

  /**
   * Signs any claims with the current key under the JOSE header `typ` given: other tokens made
   * with the session-JWT keys say what they are (a logout token is `logout+jwt`), so a verifier
   * cannot take one kind for the other.
   */
  async signTyped(claims: Record<string, unknown>, typ: string): Promise<string> {
    const sealingKey = this.requireSealingKey();
    let key = chooseSigningKey(await this.keys(), this.clock.now());
    if (key === null) {
      // No key yet (a new store), or only retiring ones. Servers starting together all try
      // the same kid for this minute: one insert wins, the others find and use its key.
      const now = this.clock.now();
      await this.insertNewKey(sealingKey, `first-${Math.floor(now / 60_000).toString(36)}`).catch((error: unknown) => {
        if (!isSessiondError(error, "conflict")) throw error;
      });
      key = chooseSigningKey(await this.keys(true), now);
      if (key === null) throw new SessiondError("signing_key_unavailable", "no usable signing key; run `sessiond keys rotate-signing`");
    }
    const privateKey = this.open(key, sealingKey);
    const { SignJWT } = await loadJose();
    return new SignJWT(claims).setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ }).sign(privateKey);
  }

  /**
   * The claims of a JWT signed by one of the stored keys still published, expired or not;
   * null for anything else. A key retired with `immediately` (leaked) counts for nothing from
   * that instant, on every server: the keys are read from the store, not the 1 s cache.
   */
  async readOwn(jwt: string): Promise<Record<string, unknown> | null> {
    const { compactVerify, importJWK } = await loadJose();
    try {
      const { payload } = await compactVerify(jwt, async (header) => {
        const now = this.clock.now();
        const key = (await this.keys(true)).find((k) => k.kid === header.kid);
        if (key === undefined || header.alg !== key.algorithm) throw new Error("not one of our keys");
        if (header.typ !== "JWT") throw new Error("not a session JWT (a logout token, say)");
        if (key.retireAt !== null && key.retireAt <= now) throw new Error("a retired key");
        return importJWK({ ...key.publicJwk, alg: key.algorithm }, key.algorithm);
      });
      const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
      return typeof claims === "object" && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  /** The public keys every verifier should trust now. */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    const now = this.clock.now();
    const keys = (await this.keys()).filter((k) => k.retireAt === null || k.retireAt > now);
    return { keys: keys.map(publicJwkOf) };
  }

  /**
   * Adds a key and retires the others. Normally old keys sign until the new one is
   * published everywhere and stay in the JWKS until their last token expires; with
   * `immediately` (a leaked key) the new key signs at once and every older key leaves the
   * JWKS now (those still published after an earlier rotation included), so every token
   * they signed stops verifying and none is taken as Clerk's `expired_token` any more.
   */
  async rotate(options: { immediately?: boolean } = {}): Promise<Rotation> {
    const sealingKey = this.requireSealingKey();
    const now = this.clock.now();
    const stored = await this.keys(true);
    const current = stored.filter((k) => k.retireAt === null);
    const retireAt = options.immediately === true ? now : now + PUBLISH_LEAD_MS + MAX_JWT_LIFETIME_SECONDS * 1000 + CLOCK_SKEW_MS;
    const kid = await this.insertNewKey(sealingKey);
    for (const key of current) await this.store.retire(key.kid, retireAt);
    // A leak may reach keys still published after an earlier rotation: a retirement date is set
    // only once, so those are deleted (what pruning would do later), and stop counting now too.
    const overlapping = options.immediately === true ? stored.filter((k) => k.retireAt !== null && k.retireAt > now) : [];
    for (const key of overlapping) {
      await this.store.delete(key.kid);
      this.opened.delete(key.kid);
    }
    this.cached = null;
    return {
      kid,
      retired: [...current, ...overlapping].map((k) => ({ kid: k.kid, retireAt })),
      signsFrom: options.immediately === true || current.length === 0 ? now : now + PUBLISH_LEAD_MS,
    };
  }

  /** Deletes keys whose publication has ended. */
  async prune(): Promise<string[]> {
    const now = this.clock.now();
    const gone = (await this.keys(true)).filter((k) => k.retireAt !== null && k.retireAt <= now);
    for (const key of gone) {
      await this.store.delete(key.kid);
      this.opened.delete(key.kid);
    }
    if (gone.length > 0) this.cached = null;
    return gone.map((k) => k.kid);
  }

  /** Every stored key, newest first, for `sessiond keys list-signing`. */
  async list(): Promise<SigningKeyRecord[]> {
    return [...(await this.keys(true))].sort((a, b) => b.createdAt - a.createdAt);
  }

  private requireSealingKey(): Buffer {
    if (this.sealingKey === null)
      throw new SessiondError("signing_key_unavailable", "session JWTs need SESSIOND_KEY_ENCRYPTION_KEY on a shared store (PostgreSQL, Redis)");
    return this.sealingKey;
  }

  private async keys(fresh = false): Promise<SigningKeyRecord[]> {
    const now = this.clock.now();
    if (!fresh && this.cached !== null && now - this.cached.at < KEY_CACHE_MS && now >= this.cached.at) return this.cached.keys;
    const keys = await this.store.list();
    this.cached = { at: now, keys };
    return keys;
  }

  private async insertNewKey(sealingKey: Buffer, fixedKid?: string): Promise<string> {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const jwk = publicKey.export({ format: "jwk" }) as { kty: string; crv: string; x: string };
    const kid = fixedKid ?? createHash("sha256").update(jwk.x).digest("base64url").slice(0, 16);
    const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
    await this.store.insert({
      kid,
      algorithm: ALGORITHM,
      publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x },
      encryptedPrivateKey: seal(pkcs8, sealingKey, kid),
      createdAt: this.clock.now(),
      retireAt: null,
    });
    this.opened.set(kid, privateKey);
    return kid;
  }

  private open(key: SigningKeyRecord, sealingKey: Buffer): KeyObject {
    let privateKey = this.opened.get(key.kid);
    if (privateKey === undefined) {
      privateKey = createPrivateKey({ key: unseal(key.encryptedPrivateKey, sealingKey, key.kid), format: "der", type: "pkcs8" });
      this.opened.set(key.kid, privateKey);
    }
    return privateKey;
  }
}

/**
 * The key that signs at `now`, among keys whose publication outlasts a maximum-lifetime
 * token signed now: the newest one published for at least the lead time; failing that
 * (a new store, or right after an immediate rotation) the one published longest.
 */
export function chooseSigningKey(keys: readonly SigningKeyRecord[], now: number): SigningKeyRecord | null {
  const maxTokenMs = MAX_JWT_LIFETIME_SECONDS * 1000 + CLOCK_SKEW_MS;
  const usable = keys.filter((k) => k.retireAt === null || now + maxTokenMs <= k.retireAt);
  // Same instant: a retiring key is the older one (it was rotated out by the other).
  const oldestFirst = [...usable].sort(
    (a, b) => a.createdAt - b.createdAt || Number(b.retireAt !== null) - Number(a.retireAt !== null) || (a.kid < b.kid ? -1 : 1),
  );
  const settled = oldestFirst.filter((k) => k.createdAt <= now - PUBLISH_LEAD_MS);
  return settled.at(-1) ?? oldestFirst[0] ?? null;
}

function publicJwkOf(key: SigningKeyRecord): PublicJwk {
  const jwk = key.publicJwk as { kty: string; crv: string; x: string };
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: key.kid, alg: key.algorithm, use: "sig" };
}

/** A 256-bit AES key from the configured secret, whatever its length or alphabet. */
function deriveSealingKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "sessiond", "signing-key-encryption/v1", 32));
}

function seal(plain: Buffer, key: Buffer, kid: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(kid));
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return [SEAL_VERSION, iv.toString("base64url"), sealed.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

function unseal(text: string, key: Buffer, kid: string): Buffer {
  const [version, iv, sealed, tag] = text.split(".");
  try {
    if (version !== SEAL_VERSION || iv === undefined || sealed === undefined || tag === undefined) throw new Error("unknown seal format");
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url")).setAAD(Buffer.from(kid));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(sealed, "base64url")), decipher.final()]);
  } catch (error) {
    throw new SessiondError("signing_key_unavailable", `signing key ${kid} cannot be opened: SESSIOND_KEY_ENCRYPTION_KEY is not the key that sealed it`, {
      cause: error,
    });
  }
}
