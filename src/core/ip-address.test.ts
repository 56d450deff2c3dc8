import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { addressGroup, canonicalIp, isPrivateIp } from "./ip-address.js";

describe("canonicalIp", () => {
  const table: [string, string | null][] = [
    ["198.51.100.7", "198.51.100.7"],
    ["010.001.002.003", "10.1.2.3"], // leading zeros read as decimal
    ["000.000.000.000", "0.0.0.0"],
    ["::ffff:198.51.100.7", "198.51.100.7"], // IPv4-mapped, as dual-stack sockets report IPv4 peers
    ["::FFFF:198.51.100.7", "198.51.100.7"],
    ["0:0:0:0:0:ffff:c633:6407", "198.51.100.7"],
    ["::ffff:010.0.0.1", "10.0.0.1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // the first of two equal zero runs
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group stays
    ["2001:db8::0:0:1", "2001:db8::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["::", "::"],
    ["1::", "1::"],
    ["fe80::1%eth0", "fe80::1"],
    ["::198.51.100.7", "::c633:6407"], // IPv4-compatible is not IPv4-mapped
    ["64:ff9b::198.51.100.7", "64:ff9b::c633:6407"],
    ["256.1.1.1", null],
    ["1.2.3", null],
    ["1.2.3.4.5", null],
    ["1.2.3.4:80", null],
    ["0x7f.0.0.1", null],
    ["2001:db8:::1", null],
    ["2001:db8::1::1", null],
    ["1:2:3:4:5:6:7:8:9", null],
    ["1:2:3:4:5:6:7::8", null],
    ["12345::1", null],
    ["::g", null],
    [":1", null],
    ["", null],
    [`1.2.3.4${" ".repeat(100)}`, null],
    ["<script>", null],
  ];
  for (const [input, expected] of table)
    test(`${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)} → ${expected}`, () => assert.equal(canonicalIp(input), expected));
});

describe("addressGroup", () => {
  test("is the address for IPv4 (mapped or not) and the /64 for IPv6, in every spelling", () => {
    assert.equal(addressGroup("::ffff:198.51.100.7"), "198.51.100.7");
    for (const ip of ["2001:db8:1:2::1", "2001:DB8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2:abcd::99"])
      assert.equal(addressGroup(ip), "2001:db8:1:2::/64");
    assert.equal(addressGroup("2001:db8:1:3::1"), "2001:db8:1:3::/64");
    assert.equal(addressGroup("::1"), "::/64");
    assert.equal(addressGroup("not an ip"), null);
  });
});

describe("isPrivateIp", () => {
  test("knows loopback, private, link-local, CGNAT and unique-local ranges, and nothing else", () => {
    for (const ip of [
      "127.0.0.1",
      "127.0.0.2",
      "10.0.0.5",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.1.1",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "::ffff:10.0.0.1",
      "fd12:3456::1",
      "fc00::1",
      "fe80::1%eth0",
    ])
      assert.equal(isPrivateIp(ip), true, ip);
    for (const ip of ["198.51.100.7", "172.32.0.1", "172.15.0.1", "100.128.0.1", "8.8.8.8", "2001:db8::1", "::ffff:8.8.8.8", "fec0::1", "not an ip"])
      assert.equal(isPrivateIp(ip), false, ip);
  });
});
