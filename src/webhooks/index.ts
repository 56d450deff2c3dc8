/** Webhook delivery (SPEC §9): the dispatcher, Standard Webhooks signatures and back-channel logout tokens. */
export { createDispatcher } from "./dispatcher.js";
export type { Dispatcher, DispatcherOptions, DispatchStats } from "./dispatcher.js";
export type { AttemptFailure } from "./round.js";
export { DEFAULT_RETRY_SCHEDULE_MS } from "./retry-schedule.js";
export { signatureHeaders } from "./signature.js";
export { LOGOUT_EVENT_TYPES, type LogoutSigner } from "./logout-token.js";
export { signingKeysLogoutSigner } from "./logout-signer.js";
