import { describe } from "node:test";
import { describeStore } from "../conformance/store.js";
import { REDIS_URL, redisSkip } from "../support/services.js";
import { redisHarness } from "./redis-harness.js";

const skip = await redisSkip(REDIS_URL);
if (skip === false) describeStore("redis", redisHarness(REDIS_URL));
else describe("store conformance: redis", { skip }, () => {});
