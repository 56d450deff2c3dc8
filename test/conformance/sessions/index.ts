/** The session role's conformance tests, directly and through the service. */
import type { StoreHarness } from "../store.js";
import { activityWriteTests } from "./activity-writes.js";
import { concurrencyTests } from "./concurrency.js";
import { countTests } from "./counts.js";
import { lifecycleTests } from "./lifecycle.js";
import { queryTests } from "./queries.js";
import { recordTests } from "./records.js";
import { refreshTests } from "./refresh.js";
import { sweeperTests } from "./sweeper.js";
import { tenancyTests } from "./tenancy.js";
import { verifyTests } from "./verify.js";

export function sessionTests(h: StoreHarness): void {
  recordTests(h);
  lifecycleTests(h);
  verifyTests(h);
  activityWriteTests(h);
  refreshTests(h);
  tenancyTests(h);
  queryTests(h);
  sweeperTests(h);
  concurrencyTests(h);
  countTests(h);
}
