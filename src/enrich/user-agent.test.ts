import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeUserAgent } from "./user-agent.js";

type Row = [ua: string, browser: string | null, os: string | null, device: string | null, mobile: boolean];
// Real user agents: desktop, mobile and tablet browsers, in-app browsers, bots and tools, TV, console, watch, junk.
const TABLE: Row[] = [
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome", "Windows", "desktop", false],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0", "Firefox", "Windows", "desktop", false],
  [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
    "Edge",
    "Windows",
    "desktop",
    false,
  ],
  [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
    "Safari",
    "Mac OS",
    "desktop",
    false,
  ],
  [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Chrome",
    "Mac OS",
    "desktop",
    false,
  ],
  ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome", "Linux", "desktop", false],
  ["Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "Firefox", "Ubuntu", "desktop", false],
  [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0",
    "Opera",
    "Windows",
    "desktop",
    false,
  ],
  ["Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome", "Chromium OS", "desktop", false],
  [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mobile Safari",
    "iOS",
    "mobile",
    true,
  ],
  [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
    "Chrome",
    "iOS",
    "mobile",
    true,
  ],
  [
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Chrome",
    "Android",
    "mobile",
    true,
  ],
  [
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
    "Samsung Internet",
    "Android",
    "mobile",
    true,
  ],
  ["Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0", "Firefox", "Android", "mobile", true],
  [
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mobile Safari",
    "iOS",
    "tablet",
    true,
  ],
  ["Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome", "Android", "tablet", true],
  [
    "Mozilla/5.0 (Linux; Android 12; Lenovo TB-J606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Chrome",
    "Android",
    "tablet",
    true,
  ],
  [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 329.0.0.29.120 (iPhone15,2; iOS 17_4; en_US; en; scale=3.00; 1179x2556; 590214445)",
    "Instagram",
    "iOS",
    "mobile",
    true,
  ],
  [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/459.0.0.40.109;FBBV/580021463;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.4;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
    "Facebook",
    "iOS",
    "mobile",
    true,
  ],
  [
    "Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/AP1A.240405.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Chrome WebView",
    "Android",
    "mobile",
    true,
  ],
  [
    "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/123.0.6312.118 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/458.0.0.54.108;]",
    "Facebook",
    "Android",
    "mobile",
    true,
  ],
  ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", null, null, "bot", false],
  ["Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", null, null, "bot", false],
  ["Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)", "WebKit", null, "bot", false],
  ["facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", null, null, "bot", false],
  ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", null, null, "bot", false],
  ["curl/8.5.0", null, null, "bot", false],
  ["python-requests/2.31.0", null, null, "bot", false],
  ["Wget/1.21.4", null, null, "bot", false],
  ["PostmanRuntime/7.37.3", null, null, "bot", false],
  [
    "Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/5.0 Chrome/94.0.4606.31 TV Safari/537.36",
    "Samsung Internet",
    "Tizen",
    "smarttv",
    false,
  ],
  ["Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)", "WebKit", "PlayStation", "console", false],
  [
    "Mozilla/5.0 (Linux; U; Android 10; SM-R860) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/66.0 Mobile Safari/537.36",
    "Android Browser",
    "Android",
    "wearable",
    true,
  ],
  ["", null, null, null, false],
  ["garbage ☃ ))) ((( ;;;", null, null, null, false],
];

describe("user-agent parsing", () => {
  for (const [ua, browser, os, device, mobile] of TABLE) {
    it(`${ua.slice(0, 60) || "(empty)"} → ${browser ?? "-"} / ${os ?? "-"} / ${device ?? "-"}`, () => {
      const d = describeUserAgent(ua);
      assert.deepEqual([d.browserName, d.osName, d.deviceType, d.isMobile], [browser, os, device, mobile]);
    });
  }

  it("reports the browser version", () => {
    assert.equal(describeUserAgent(TABLE[2]![0]).browserVersion, "124.0.2478.80");
  });

  it("parses at most 512 characters of a huge user agent, and never throws", () => {
    const huge = `${TABLE[0]![0]}${"x".repeat(10_000)}`;
    assert.equal(describeUserAgent(huge), describeUserAgent(`${TABLE[0]![0]}${"x".repeat(600)}`), "both cut to the same cached prefix");
    assert.equal(describeUserAgent(huge).browserName, "Chrome");
    for (const junk of ["\u0000", "(".repeat(5000), `Mozilla/5.0 (${";".repeat(3000)}`]) assert.doesNotThrow(() => describeUserAgent(junk));
  });

  it("prefers client hints: brand, version, platform and mobility", () => {
    const reduced = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";
    const d = describeUserAgent(reduced, {
      secChUa: '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
      secChUaMobile: "?1",
      secChUaPlatform: '"Android"',
    });
    assert.deepEqual([d.browserName, d.browserVersion, d.osName, d.deviceType, d.isMobile], ["Google Chrome", "124", "Android", "mobile", true]);
    const desktop = describeUserAgent(null, {
      secChUa: '"Not)A;Brand";v="8", "Chromium";v="125", "Microsoft Edge";v="125"',
      secChUaMobile: "?0",
      secChUaPlatform: '"Windows"',
    });
    assert.deepEqual([desktop.browserName, desktop.osName, desktop.deviceType, desktop.isMobile], ["Microsoft Edge", "Windows", "desktop", false]);
    assert.equal(describeUserAgent(null, { secChUa: '"Chromium";v="125"' }).browserName, "Chromium");
  });
});
