/**
 * A real headless Chromium for browser tests: Debian's `chromium` driven by playwright-core
 * (never a downloaded browser). scripts/test.mjs installs Chromium when it is missing. Under
 * CI=true a missing browser fails the run; elsewhere its tests are skipped with a loud reason.
 */
import { existsSync } from "node:fs";
import { networkInterfaces } from "node:os";
import type { Browser, Page } from "playwright-core";
import { serviceSkip } from "./services.js";

export const CHROMIUM_PATH = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** What `describe(name, { skip })` takes: false when Chromium starts, else the reason. Throws under CI. */
export async function browserSkip(): Promise<false | string> {
  return serviceSkip("Chromium", async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing (apt-get install chromium; npm test installs it)`);
    await (await launchBrowser()).close();
  });
}

/** A fresh headless Chromium; close it when done. */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** What a page said on its console (errors, CSP violations) and threw while it ran. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: string[];
}

/** Opens a page in its own context, collecting its problems, and closes the context afterwards. */
export async function withPage<T>(browser: Browser, body: (page: Page, problems: PageProblems) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedRequests: [] };
  try {
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") problems.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => problems.pageErrors.push(error.message));
    page.on("requestfailed", (request) => problems.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? "failed"}`));
    return await body(page, problems);
  } finally {
    await context.close();
  }
}

/**
 * An address of this machine that is not loopback, for pages that must behave as on a real
 * host (browsers treat localhost and 127.0.0.0/8 as secure origins even over http).
 */
export function nonLoopbackAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === "IPv4" && !a.internal);
    if (found !== undefined) return found.address;
  }
  throw new Error("this machine has no non-loopback IPv4 address");
}
