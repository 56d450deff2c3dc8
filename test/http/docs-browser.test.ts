/** /docs renders in a real browser over plain http on a non-localhost address, under its strict CSP. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { browserSkip, launchBrowser, nonLoopbackAddress, withPage } from "../support/browser.js";
import { harness, type Harness } from "./harness.js";

describe("/docs in Chromium", { skip: await browserSkip() }, () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  before(async () => {
    h = await harness();
    // Not localhost: browsers exempt loopback from upgrade-insecure-requests, real hosts are not.
    base = await h.app.listen({ host: nonLoopbackAddress(), port: 0 });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  it("sends a CSP without upgrade-insecure-requests that stays strict", async () => {
    const response = await fetch(`${base}/docs/`);
    const csp = response.headers.get("content-security-policy") ?? "";
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
    for (const directive of ["default-src 'none'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"])
      assert.ok(csp.includes(directive), `${directive} in ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https:|\*/);
  });

  it("renders the API's operations over http, with nothing blocked", async () => {
    const operations = (
      Object.values(((await h.call("GET", "/openapi.json", { key: null })).json() as { paths: Record<string, object> }).paths) as object[]
    ).reduce((n: number, methods) => n + Object.keys(methods).length, 0);
    await withPage(browser, async (page, problems) => {
      const response = await page.goto(`${base}/docs`, { waitUntil: "load" });
      assert.equal(response?.status(), 200);
      await page.waitForSelector(".opblock-summary-path", { timeout: 15_000 });
      const paths = await page.locator(".opblock-summary-path").allTextContents();
      assert.equal(paths.length, operations, "one block per operation of the OpenAPI document");
      assert.ok(
        paths.some((p) => p.replace(/\u200b/g, "") === "/v1/sessions"),
        paths.join(" "),
      );
      assert.equal(
        await page
          .locator(".info .title")
          .first()
          .textContent()
          .then((t) => t?.startsWith("sessiond")),
        true,
      );
      assert.deepEqual(problems.pageErrors, []);
      assert.deepEqual(problems.failedRequests, []);
      assert.deepEqual(problems.consoleErrors, [], "no CSP violation or other error on the console");
    });
  });
});
