/**
 * A JSON body as a test reads it off the wire, like `JSON.parse` and light-my-request's `json()`
 * hand it over: the test reads fields freely and asserts each one it reads, so a typed body
 * would only be a second, unchecked copy of the wire schemas.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; this is the one place tests name an untyped wire body.
export type WireBody = any;
