/**
 * The end user's address behind trusted proxies, for the server and the app-side middleware
 * alike. Pure: header text in, address out.
 */
import { canonicalIp } from "./ip-address.js";

/**
 * With `trustedHops` = N, the N nearest hops (the socket peer included) are the deployment's
 * own proxies, so the user is the address just before them in `X-Forwarded-For`. Counting
 * from the right matters: each proxy appends what it saw, while the leftmost entries are
 * whatever the client wrote. With fewer entries than hops, the leftmost is the best guess.
 * An entry that is not an address (a made-up header) falls back to the peer.
 * @param peer the socket peer's address
 * @param forwardedFor the `X-Forwarded-For` header, repeated headers joined with ","
 * @param trustedHops 0: the peer is the user and the header is ignored
 * @returns the canonical address ({@link canonicalIp}), or undefined when the peer is unknown and no hop is trusted
 */
export function forwardedClientIp(peer: string | undefined, forwardedFor: string | undefined, trustedHops: number): string | undefined {
  const socket = peer === undefined ? undefined : (canonicalIp(peer) ?? undefined);
  if (trustedHops <= 0 || forwardedFor === undefined) return socket;
  const forwarded = forwardedFor
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  // The chain is the header's entries then the peer; the peer is the nearest of the trusted hops,
  // so the user is `trustedHops` entries left of it, whether or not the runtime told us the peer.
  const candidate = forwarded[Math.max(0, forwarded.length - trustedHops)];
  return (candidate === undefined ? null : canonicalIp(candidate)) ?? socket;
}
