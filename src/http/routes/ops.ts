/** Liveness, readiness and metrics: no API key needed (metrics optionally root-only). */
import type { App, RouteDeps } from "../app.js";
import { authenticator, requireRoot } from "../auth.js";
import { SessiondError } from "../../core/errors.js";

export async function opsRoutes(app: App, deps: RouteDeps): Promise<void> {
  app.get("/healthz", { schema: { tags: ["ops"], summary: "Liveness", security: [] } }, async () => ({ status: "ok" }));

  app.get("/readyz", { schema: { tags: ["ops"], summary: "Readiness: the store answers", security: [] } }, async () => {
    try {
      await deps.sessions.store.ping();
    } catch (error) {
      throw new SessiondError("store_unavailable", "the store does not answer", { cause: error });
    }
    return { status: "ready" };
  });

  const checkKey = authenticator({ apiKeys: deps.apiKeys });
  app.get("/metrics", { schema: { tags: ["ops"], summary: "Prometheus metrics", security: deps.config.metricsRequireKey ? [{ apiKey: [] }] : [] } }, async (request, reply) => {
    if (deps.config.metricsRequireKey) {
      await checkKey(request);
      requireRoot(request);
    }
    void reply.header("content-type", deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
