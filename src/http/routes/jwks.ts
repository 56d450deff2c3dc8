/** The public keys of session JWTs: no API key; cacheable briefly (`Cache-Control` is set in app.ts with every other route's). */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { SigningKeys } from "../../jwt/signing-keys.js";
import { errorResponses } from "../schemas.js";
import { JwksSchema } from "../jwt-schemas.js";

export interface JwksRouteDeps {
  /** Publishes the JWKS; omitted: an empty key set. */
  signingKeys?: Pick<SigningKeys, "jwks"> | undefined;
}

export const jwksRoutes: FastifyPluginAsyncTypebox<JwksRouteDeps> = async (app, deps) => {
  const jwks = async () => (deps.signingKeys === undefined ? { keys: [] } : deps.signingKeys.jwks());
  const schema = { tags: ["tokens"], security: [], response: { 200: JwksSchema, ...errorResponses } };
  app.get("/v1/jwks", { schema: { ...schema, summary: "Public keys of session JWTs" } }, jwks);
  app.get("/.well-known/jwks.json", { schema: { ...schema, summary: "Public keys of session JWTs (well-known path)" } }, jwks);
};
