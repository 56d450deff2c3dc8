/** Request bodies as JSON: the one parser of the Fastify app and of the lean verify path. */
import secureJson from "secure-json-parse";
import { SessiondError } from "../core/errors.js";

/**
 * Parses a JSON body; a blank one is no body at all (Clerk's SDK posts empty JSON bodies).
 * @throws SessiondError `request_invalid` for text that is not JSON or that would set a prototype
 */
export function parseJsonBody(body: string): unknown {
  const text = body.trim();
  if (text === "") return undefined;
  try {
    return secureJson.parse(text, undefined, { protoAction: "error", constructorAction: "error" });
  } catch {
    throw new SessiondError("request_invalid", "the body is not valid JSON (or has a __proto__ or constructor.prototype key)");
  }
}
