import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { redactUrl } from "./open.js";

describe("redactUrl", () => {
  it("hides passwords in the user info and in credential query parameters, keeping what names the store", () => {
    const cases: Array<[string, string]> = [
      ["postgres://app:s3cret@db.example:5432/sessions", "postgres://app:***@db.example:5432/sessions"],
      ["postgresql://app:p%40ss@db/x?schema=sd", "postgresql://app:***@db/x?schema=sd"],
      ["postgres://app@db/x?password=s3cret&schema=sd", "postgres://app@db/x?password=***&schema=sd"],
      ["postgres://db/x?sslmode=require&sslpassword=s3cret", "postgres://db/x?sslmode=require&sslpassword=***"],
      ["postgres://u:pa@ss@db/x", "postgres://u:***@db/x"],
      ["redis://:s3cret@127.0.0.1:6379/2?prefix=app:", "redis://:***@127.0.0.1:6379/2?prefix=app:"],
      ["rediss://default:s3cret@cache:6380", "rediss://default:***@cache:6380"],
      ["redis://127.0.0.1:6379?Password=s3cret", "redis://127.0.0.1:6379?Password=***"],
      ["redis-cluster://u:s3cret@a:1,b:2?prefix=x:", "redis-cluster://u:***@a:1,b:2?prefix=x:"],
      ["redis-cluster://a:1,b:2?auth_token=s3cret", "redis-cluster://a:1,b:2?auth_token=***"],
      ["sqlite:./data/sessiond.db", "sqlite:./data/sessiond.db"],
      ["memory:", "memory:"],
    ];
    for (const [url, shown] of cases) {
      assert.equal(redactUrl(url), shown, url);
      assert.ok(!redactUrl(url).includes("s3cret"), url);
    }
  });
});
