/**
 * The client address of the n-th request of a load whose every request comes from a new
 * address: public IPv4 addresses (first octet 11–110, so geo-IP finds most of them), distinct
 * for every n below 1.6 billion. Shared by the load generator and the check of what was stored.
 */
export function addressOf(n) {
  const rest = Math.floor(n / 100);
  return `${11 + (n % 100)}.${(rest >>> 16) & 255}.${(rest >>> 8) & 255}.${rest & 255}`;
}
