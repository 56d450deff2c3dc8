import { describe } from "node:test";
import { describeStore } from "../conformance/store.js";
import { redisClusterUrl, redisSkip } from "../support/services.js";
import { redisHarness } from "./redis-harness.js";

const url = redisClusterUrl();
const skip = await redisSkip(url);
if (skip === false) describeStore("redis cluster", redisHarness(url));
else describe("store conformance: redis cluster", { skip }, () => {});
