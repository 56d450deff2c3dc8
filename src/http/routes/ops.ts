/** Liveness, readiness and metrics: no API key needed (metrics optionally root-only). */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { ApiKeys } from "../../core/api-keys.js";
import type { Sessions } from "../../core/service.js";
import type { Config } from "../../config.js";
import { authenticator, requireRoot } from "../auth.js";
import type { Metrics } from "../metrics.js";

export interface OpsRouteDeps {
  sessions: Pick<Sessions, "ping">;
  apiKeys: ApiKeys;
  config: Pick<Config, "metricsRequireKey">;
  metrics: Pick<Metrics, "registry">;
}

export const opsRoutes: FastifyPluginAsyncTypebox<OpsRouteDeps> = async (app, deps) => {
  app.get("/healthz", { schema: { tags: ["ops"], summary: "Liveness", security: [] } }, async () => ({ status: "ok" }));

  app.get("/readyz", { schema: { tags: ["ops"], summary: "Readiness: the store answers", security: [] } }, async () => {
    await deps.sessions.ping();
    return { status: "ready" };
  });

  const checkKey = authenticator({ apiKeys: deps.apiKeys });
  app.get(
    "/metrics",
    { schema: { tags: ["ops"], summary: "Prometheus metrics", security: deps.config.metricsRequireKey ? [{ apiKey: [] }] : [] } },
    async (request, reply) => {
      if (deps.config.metricsRequireKey) {
        await checkKey(request);
        requireRoot(request);
      }
      void reply.header("content-type", deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  );
};
