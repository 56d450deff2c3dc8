import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isForbiddenAddress } from "./address-guard.js";

describe("webhook address guard", () => {
  it("refuses loopback, private, link-local, ULA, CGNAT, multicast, unspecified and reserved addresses, mapped or embedded forms too", () => {
    const refused = [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "::1",
      "::",
      "fc00::1",
      "fd12:3456::1",
      "fe80::1",
      "ff02::1",
      "::ffff:127.0.0.1",
      "::ffff:169.254.169.254",
      "::ffff:7f00:1",
      "64:ff9b::a9fe:a9fe",
      "2002:7f00:1::",
      "::127.0.0.1",
      "not an address",
    ];
    for (const ip of refused) assert.equal(isForbiddenAddress(ip), true, ip);
  });

  it("allows public addresses", () => {
    for (const ip of ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "172.32.0.1", "100.128.0.1"])
      assert.equal(isForbiddenAddress(ip), false, ip);
  });
});
