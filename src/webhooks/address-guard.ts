/**
 * Which resolved addresses a webhook may be sent to (SPEC §9): endpoint URLs are called from the
 * server, so without `SESSIOND_WEBHOOK_ALLOW_PRIVATE` a tenant must not reach the server's own
 * network (loopback, private, link-local, ULA, CGNAT, multicast, unspecified, reserved).
 */
import { canonicalIp, isPrivateIp } from "../core/ip-address.js";

function ipv4Parts(ip: string): number[] | null {
  const parts = ip.split(".").map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n)) ? parts : null;
}

/** Multicast and the reserved 240/4 (broadcast included): never a receiver. */
function isReservedIpv4(ip: string): boolean {
  const [a = 0] = ipv4Parts(ip) ?? [];
  return a >= 224;
}

/** The IPv4 address some IPv6 forms carry (NAT64 64:ff9b::/96, 6to4 2002::/16), which decides where the packet goes. */
function embeddedIpv4(ip: string): string | null {
  const groups = expandIpv6(ip);
  if (groups === null) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return null;
}

function expandIpv6(ip: string): number[] | null {
  if (!ip.includes(":") || ip.includes(".")) return null;
  const [head = "", tail] = ip.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? 0 : 8 - h.length - t.length;
  return [...h, ...new Array<string>(zeros).fill("0"), ...t].map((g) => parseInt(g, 16));
}

/**
 * Whether a resolved address is one a webhook must not reach without the setting. Text that is
 * not an address is refused too. IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as its IPv4 address.
 */
export function isForbiddenAddress(text: string): boolean {
  const ip = canonicalIp(text);
  if (ip === null) return true;
  if (isPrivateIp(ip)) return true;
  if (!ip.includes(":")) return isReservedIpv4(ip);
  const groups = expandIpv6(ip);
  if (groups === null) return true;
  const first = groups[0]!;
  // Multicast ff00::/8, site-local fec0::/10 (deprecated, still routed inside some networks), IPv4-compatible ::/96.
  if ((first & 0xff00) === 0xff00 || (first & 0xffc0) === 0xfec0) return true;
  if (groups.slice(0, 6).every((g) => g === 0)) return true;
  const inner = embeddedIpv4(ip);
  return inner !== null && isForbiddenAddress(inner);
}
