import assert from "node:assert/strict";
import { test } from "node:test";
import { clearSessionCookie, readCookie, sessionCookie } from "./cookie.js";

const TOKEN = `sess_${"0".repeat(30)}.${"A".repeat(43)}`;

test("readCookie finds the named cookie, exactly, and the first of duplicates", () => {
  assert.equal(readCookie(`a=1; __Host-sessiond=${TOKEN}; b=2`, "__Host-sessiond"), TOKEN);
  assert.equal(readCookie("x__Host-sessiond=1; __Host-sessiond=2; __Host-sessiond=3", "__Host-sessiond"), "2");
  assert.equal(readCookie('__Host-sessiond="quoted"', "__Host-sessiond"), "quoted");
  assert.equal(readCookie("a=1", "__Host-sessiond"), undefined);
  assert.equal(readCookie(undefined, "__Host-sessiond"), undefined);
});

test("readCookie skips a value with characters a cookie cannot carry", () => {
  assert.equal(readCookie("__Host-sessiond=a b; __Host-sessiond=ok", "__Host-sessiond"), "ok");
  assert.equal(readCookie("__Host-sessiond=a,b", "__Host-sessiond"), undefined);
});

test("sessionCookie sets the __Host- prefix and the Secure, HttpOnly, SameSite=Lax, Path=/ flags", () => {
  assert.equal(sessionCookie(TOKEN), `__Host-sessiond=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Lax`);
  assert.equal(sessionCookie(TOKEN, { maxAgeSeconds: 3600, name: "__Host-app" }), `__Host-app=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=3600`);
  assert.equal(clearSessionCookie(), "__Host-sessiond=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
});

test("sessionCookie refuses a non-token value, a name without __Host- and a bad max age", () => {
  assert.throws(() => sessionCookie("x; Domain=evil.example"), TypeError);
  assert.throws(() => sessionCookie(TOKEN, { name: "sessiond" }), TypeError);
  assert.throws(() => sessionCookie(TOKEN, { maxAgeSeconds: -1 }), TypeError);
  assert.throws(() => clearSessionCookie({ name: "__Host-a;b" }), TypeError);
});
