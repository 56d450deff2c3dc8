/**
 * IP addresses as text: one spelling per address, the group a limit counts, and which
 * addresses are private. Pure (string in, string out), so the server and the app-side
 * middleware share it.
 */

type Parsed = { version: 4; parts: number[] } | { version: 6; parts: number[] };

// Long enough for any IPv6 spelling with leading zeros; a longer text is not an address, and is refused before any work.
const MAX_TEXT_LENGTH = 64;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEXTET = /^[0-9a-f]{1,4}$/;

/**
 * Dotted-quad IPv4, read as decimal even with leading zeros (`010.001.002.003` is 10.1.2.3,
 * as most address parsers read it today, not inet_aton's octal).
 */
function parseIpv4(text: string): number[] | null {
  const match = IPV4.exec(text);
  if (match === null) return null;
  const parts = match.slice(1).map(Number);
  return parts.every((n) => n <= 255) ? parts : null;
}

/** Eight 16-bit groups; `::`, an IPv4 tail and a zone (`%eth0`, dropped) are allowed. */
function parseIpv6(text: string): number[] | null {
  const zone = text.indexOf("%");
  const bare = (zone === -1 ? text : text.slice(0, zone)).toLowerCase();
  const halves = bare.split("::");
  if (halves.length > 2) return null;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  const last = groups.at(-1)?.at(-1);
  let tail: number[] = [];
  if (last?.includes(".")) {
    const v4 = parseIpv4(last);
    if (v4 === null) return null;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    groups.at(-1)!.pop();
  }
  if (!groups.every((g) => g.every((h) => HEXTET.test(h)))) return null;
  const [head, rest] = groups.map((g) => g.map((h) => parseInt(h, 16)));
  const given = head!.length + (rest?.length ?? 0) + tail.length;
  if (rest === undefined) return given === 8 ? [...head!, ...tail] : null;
  if (given > 7) return null;
  return [...head!, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
}

function parse(text: string): Parsed | null {
  if (text.length === 0 || text.length > MAX_TEXT_LENGTH) return null;
  if (!text.includes(":")) {
    const parts = parseIpv4(text);
    return parts === null ? null : { version: 4, parts };
  }
  const parts = parseIpv6(text);
  if (parts === null) return null;
  // An IPv4-mapped address (::ffff:a.b.c.d, as dual-stack sockets report IPv4 peers) is that IPv4 address.
  if (parts.slice(0, 5).every((p) => p === 0) && parts[5] === 0xffff)
    return { version: 4, parts: [parts[6]! >> 8, parts[6]! & 255, parts[7]! >> 8, parts[7]! & 255] };
  return { version: 6, parts };
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`, the first on a tie. */
function formatIpv6(parts: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = parts.map((p) => p.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

function format(ip: Parsed): string {
  return ip.version === 4 ? ip.parts.join(".") : formatIpv6(ip.parts);
}

/**
 * The one spelling of an address: IPv4-mapped IPv6 becomes IPv4, leading zeros go, IPv6 is
 * lower case and compressed (RFC 5952), a zone is dropped. Null when `text` is not an address.
 * @example canonicalIp("::FFFF:010.0.0.1") === "10.0.0.1"; canonicalIp("2001:0DB8:0:0::1") === "2001:db8::1"
 */
export function canonicalIp(text: string): string | null {
  const ip = parse(text);
  return ip === null ? null : format(ip);
}

/**
 * The block one end user is counted as: an IPv4 address, or the /64 of an IPv6 address (one
 * home or phone usually holds a whole /64, so counting single IPv6 addresses counts nothing).
 * Null when `text` is not an address.
 * @example addressGroup("2001:db8:1:2:aaaa::1") === "2001:db8:1:2::/64"
 */
export function addressGroup(text: string): string | null {
  const ip = parse(text);
  if (ip === null) return null;
  if (ip.version === 4) return format(ip);
  return `${formatIpv6([...ip.parts.slice(0, 4), 0, 0, 0, 0])}/64`;
}

/**
 * Whether the address is loopback, private (RFC 1918, IPv6 unique-local), link-local, carrier-grade
 * NAT or unspecified: never a user's public address, typically a proxy or load balancer in
 * front of the app. False for text that is not an address.
 */
export function isPrivateIp(text: string): boolean {
  const ip = parse(text);
  if (ip === null) return false;
  const [a = 0, b = 0] = ip.parts;
  if (ip.version === 4)
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  const unspecifiedOrLoopback = ip.parts.slice(0, 7).every((p) => p === 0) && (ip.parts[7] === 0 || ip.parts[7] === 1);
  return unspecifiedOrLoopback || (a & 0xfe00) === 0xfc00 || (a & 0xffc0) === 0xfe80;
}
