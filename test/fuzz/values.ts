/**
 * Hostile values for the fuzz test: odd text, odd numbers, polluting keys, and the giants
 * (100 KB strings, thousands of levels, 100k-item arrays), which are generated as small
 * descriptors and expanded into raw JSON text so that they stay cheap to generate and shrink;
 * real values bent slightly; and the encodings that carry them onto the wire.
 */
import fc from "fast-check";

/** A JSON fragment inserted verbatim: numbers JSON.stringify cannot write, invalid escapes, deep nesting. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object that may repeat keys and hold `__proto__` as an ordinary key. */
export class Entries {
  constructor(readonly entries: [string, unknown][]) {}
}

/** Serializes generated values; `RawJson` and `Entries` are written as they are. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Entries) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`;
  if (value === undefined) return "null";
  return JSON.stringify(value);
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell lookup, meant literally: logs and stores must keep it as text.
const LOG4SHELL_PROBE = "${jndi:ldap://x}";
const ODD_TEXT = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u0000\u0000\u0000",
  "\u202e",
  "abc\u202edef",
  "\u200b",
  "\u200d",
  "\ufeff",
  "\ud800",
  "\udfff",
  "a\udc00b",
  "\udbff\udfff",
  "🙂",
  "👩‍👩‍👧‍👦",
  "e\u0301",
  "İ",
  "ß",
  "ﬃ",
  "Ω",
  "\u0085",
  "\u2028\u2029",
  "\r\n",
  "\t",
  "\u001b[31m",
  "\u007f",
  "\uffff",
  "\ufffd",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "1e308",
  "-0",
  "NaN",
  "Infinity",
  "-Infinity",
  "null",
  "undefined",
  "true",
  "0x10",
  "0",
  "-1",
  "00",
  "../../etc/passwd",
  "..",
  ".",
  "%00",
  "%2F",
  "%",
  "%zz",
  LOG4SHELL_PROBE,
  "{{7*7}}",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  '"; DROP TABLE sessions; --',
  "default",
  "acme",
  "globex",
  "ACME",
  "acme ",
  " acme",
  "acme\u0000",
  "Acme",
  "a".repeat(63),
  "a".repeat(64),
];

/** Characters that long strings are made of. */
const LONG_CHARS = ["a", "\u0000", "é", "🙂", "\ud800", "\u202e", "\u200b", "\\", '"', "%", "/", " "];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const controlChar = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));

/** Short strings of every kind of character, lone surrogates and control characters included. */
export const shortText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ODD_TEXT) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 16, unit: "grapheme" }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 16, unit: "binary" }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8, unit: fc.oneof(loneSurrogate, controlChar, fc.constantFrom("\u202e", "\u200b", "\ufeff", "a")) }) },
);

/** A string of up to ~100 KB of one character. */
export const longText: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...LONG_CHARS), fc.oneof(fc.integer({ min: 100, max: 5000 }), fc.integer({ min: 5000, max: 100_000 })))
  .map(([c, n]) => c.repeat(Math.ceil(n / c.length)));

const RAW_NUMBERS = ["-0", "1e308", "-1e308", "1e999", "-1e999", "5e-324", "1e-400", "9007199254740993", "18446744073709551616", "1E+2", "0.0", "1.5", "-1"];
export const INVALID_FRAGMENTS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "undefined",
  "01",
  "+1",
  ".5",
  "1.",
  "0x10",
  '"\\x41"',
  '"a\tb"',
  '"\\u12"',
  "'single'",
  "tru",
  "nul",
  "[1,]",
  '{"a":1,}',
  "{a:1}",
];

export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1, 1.5, 29, 30, 3600, 3601, 500, 501, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, -(2 ** 53), 1e308, 5e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...RAW_NUMBERS).map((n) => new RawJson(n)),
);

export const PROTO_KEYS = ["__proto__", "constructor", "prototype"];
/** Keys an attacker would try, and plain ones. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom("", " ", "a", "user_id ", "USER_ID", "token\u0000", "\ud800", "🙂", "a.b", "$where", "0", "length", "toJSON", "then"),
  },
  { weight: 1, arbitrary: fc.constantFrom("iss", "sub", "sid", "tid", "sts", "exp", "nbf", "iat", "aud", "amr", "act", "jti") },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Deeply nested objects or arrays as raw text (JSON.stringify would overflow the stack building them). */
export const deepJson: fc.Arbitrary<RawJson> = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 64, max: 5000 }) }, { weight: 1, arbitrary: fc.integer({ min: 5000, max: 100_000 }) }),
    fc.constantFrom("object", "array", "proto", "mixed"),
  )
  .map(([n, kind]) => {
    switch (kind) {
      case "object":
        return new RawJson(`${'{"a":'.repeat(n)}1${"}".repeat(n)}`);
      case "array":
        return new RawJson(`${"[".repeat(n)}${"]".repeat(n)}`);
      case "proto":
        return new RawJson(`${'{"a":'.repeat(n)}{"__proto__":{"polluted":true}}${"}".repeat(n)}`);
      default:
        return new RawJson(`${'{"a":['.repeat(n)}{}${"]}".repeat(n)}`);
    }
  });

const ARRAY_ITEMS = ['"s"', "1", "null", "{}", "[]", '"\\u0000"', '{"__proto__":1}', '"pwd"'];
/** Arrays of up to 100k items, as raw text. */
export const hugeArray: fc.Arbitrary<RawJson> = fc
  .tuple(fc.constantFrom(...ARRAY_ITEMS), fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 300, max: 100_000 })))
  .map(([item, n]) => new RawJson(`[${Array(n).fill(item).join(",")}]`));

/** Any JSON value an attacker might put in a field: wrong types, odd text, odd numbers, small nesting, pollution. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; object: Entries; array: unknown[] }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 6, arbitrary: shortText },
    { weight: 3, arbitrary: hostileNumber },
    { weight: 2, arbitrary: fc.constantFrom(true, false, null) },
    { weight: 2, arbitrary: tie("object") },
    { weight: 2, arbitrary: tie("array") },
  ),
  object: fc.array(fc.tuple(hostileKey, tie("value")), { maxLength: 4 }).map((e) => new Entries(e)),
  array: fc.array(tie("value"), { maxLength: 4 }),
})).value;

/** The expensive ones: ~100 KB strings, thousands of levels, 100k-item arrays. */
export const giantValue: fc.Arbitrary<unknown> = fc.oneof(longText, deepJson, hugeArray);

/** An element of a live pool, read when the value is generated: often one of the newest (most likely still alive), else any. */
export function live(values: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(fc.integer({ min: 0, max: 3 }), fc.nat()).map((i) => values[values.length - 1 - (i % values.length)]!);
}

export const NOT_CROCKFORD = ["i", "l", "o", "u", "I", "L", "O", "U", "A", "Z", "-", "_", "=", ".", "%", " ", "\u0000"];

/** A real-looking value bent slightly: one character changed, dropped, added, case-flipped, padded. */
export function nearly(values: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(live(values), fc.nat(), fc.constantFrom("swap", "drop", "add", "upper", "pad", "double", "prefix", "truncate"), fc.constantFrom(...NOT_CROCKFORD))
    .map(([v, i, how, c]) => {
      const at = v.length === 0 ? 0 : i % v.length;
      switch (how) {
        case "swap":
          return v.slice(0, at) + c + v.slice(at + 1);
        case "drop":
          return v.slice(0, at) + v.slice(at + 1);
        case "add":
          return v + c;
        case "upper":
          return v.toUpperCase();
        case "pad":
          return ` ${v} `;
        case "double":
          return v + v;
        case "prefix":
          return v.replace(/^[a-z]+_/, "x_");
        default:
          return v.slice(0, at);
      }
    });
}

const b64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** JWTs: real ones re-headed (alg none, HS256, a path as kid), re-signed claims, swapped parts, junk segments. */
export function forgedJwtArb(jwts: readonly string[]): fc.Arbitrary<string> {
  const headers = [
    { alg: "none" },
    { alg: "HS256", kid: "k" },
    { alg: "EdDSA", kid: "../../etc/passwd" },
    { alg: "EdDSA" },
    { alg: "ES256", kid: "x", crit: ["b64"] },
    "null",
    "[]",
    "{",
  ];
  return fc.tuple(live(jwts), fc.constantFrom(...headers), fc.constantFrom("header", "payload", "signature", "parts", "dots")).map(([jwt, header, how]) => {
    const [h = "", p = "", sig = ""] = jwt.split(".");
    switch (how) {
      case "header":
        return `${b64(header)}.${p}.${sig}`;
      case "payload":
        return `${h}.${b64({ sub: "admin", sid: "sess_0000000000000000000000000000zz", exp: 1e12 })}.${sig}`;
      case "signature":
        return `${h}.${p}.`;
      case "parts":
        return `${p}.${h}.${sig}`;
      default:
        return `${jwt}.${sig}`;
    }
  });
}

/** Cursors: real ones, ones from another listing, forged base64url, tampered, absurd. */
export function cursorArb(cursors: string[]): fc.Arbitrary<string> {
  const forged = [
    "c1.",
    "c1.sess_zzz",
    "c1.x'; drop table sessions;--",
    "c1.\u0000",
    "c2.sess_0000000000000000000000000000zz",
    `c1.${"9".repeat(400)}`,
    "{}",
    "null",
  ];
  return fc.oneof(
    { weight: 3, arbitrary: live(cursors) },
    { weight: 2, arbitrary: nearly(cursors) },
    { weight: 2, arbitrary: fc.constantFrom(...forged).map((s) => Buffer.from(s).toString("base64url")) },
    { weight: 1, arbitrary: fc.constantFrom("%%%", "abc", "Yz", "====", "a+b/c=", "", "-", "_".repeat(600)) },
    { weight: 1, arbitrary: shortText },
    { weight: 1, arbitrary: fc.string({ maxLength: 40, unit: fc.constantFrom(..."ABCXYZabcxyz0189-_=+/.") }) },
  );
}

/** True with probability `p` (fast-check biases numbers towards small values, so a rolled number would not do). */
export function chance(p: number): fc.Arbitrary<boolean> {
  const yes = Math.round(Math.min(1, Math.max(0, p)) * 1000);
  if (yes === 0 || yes === 1000) return fc.constant(yes === 1000);
  return fc.oneof({ weight: yes, arbitrary: fc.constant(true) }, { weight: 1000 - yes, arbitrary: fc.constant(false) });
}

/** `encodeURIComponent`, except that a lone surrogate becomes its WTF-8 bytes (invalid UTF-8 once decoded) instead of throwing. */
export function percentEncode(text: string): string {
  return text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]|[\s\S]/g, (unit) => {
    if (unit.length === 2 || unit.charCodeAt(0) < 0xd800 || unit.charCodeAt(0) > 0xdfff) return encodeURIComponent(unit);
    const c = unit.charCodeAt(0);
    return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters a header value cannot carry are what is removed.
const HEADER_UNSAFE = /[\x00-\x08\x0a-\x1f\x7f]/g;

/** What a raw HTTP request can carry in a header value: Latin-1 bytes without line breaks or NUL. */
export function headerSafe(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1").replace(HEADER_UNSAFE, "");
}
