/**
 * Where a webhook may be delivered (issue #19). The URL: https (http only with allowHttp), no
 * credentials, a host. The addresses: only public unicast ones, unless the deployment allows
 * private ones (WEBHOOK_ALLOW_PRIVATE=true).
 *
 * The classification is ipaddr.js's `range()` ("everything but 'unicast' is refused"), tightened
 * where the installed ipaddr.js (1.9.x, whose tables are older than 2.x's) calls too much "unicast":
 * - an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged by the IPv4 address it carries;
 * - IPv6 must lie in 2000::/3 (global unicast), which also refuses ::/96 (IPv4-compatible),
 *   100::/64 (discard), fec0::/10 (site-local) and the unallocated space;
 * - a few more non-routable blocks are refused by name (benchmarking, IETF protocol assignments);
 * - 6to4 (2002::/16), Teredo (2001::/32) and NAT64 (64:ff9b::/96) embed an IPv4 address that
 *   could be private: they are refused as a whole rather than decoded.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

const extraV4: [ipaddr.IPv4, number][] = [
  ipaddr.IPv4.parseCIDR('198.18.0.0/15'), // benchmarking (RFC 2544)
  ipaddr.IPv4.parseCIDR('192.0.0.0/24'), // IETF protocol assignments
];
const globalUnicastV6 = ipaddr.IPv6.parseCIDR('2000::/3');
const extraV6: [ipaddr.IPv6, number][] = [
  ipaddr.IPv6.parseCIDR('2001::/23'), // IETF protocol assignments (Teredo, benchmarking, ORCHID…)
];

/**
 * The range an IP address string belongs to: 'unicast' for a public unicast address, otherwise
 * the reason it is not ('loopback', 'private', 'linkLocal', 'uniqueLocal', 'reserved', …), or
 * 'invalid' when it is no IP address at all.
 */
export const addressRange = (address: string): string => {
  const kind = isIP(address);
  if (kind === 0) return 'invalid';
  // ipaddr.js 1.x misses some valid spellings (::127.0.0.1): the WHATWG URL parser canonicalizes them.
  const text = kind === 6 && !ipaddr.isValid(address) ? canonicalV6(address) : address;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(text);
  } catch {
    return 'invalid';
  }
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v4Range(v6.toIPv4Address());
    const range = v6.range();
    if (range !== 'unicast') return range;
    if (!v6.match(globalUnicastV6)) return 'reserved';
    if (extraV6.some((cidr) => v6.match(cidr))) return 'reserved';
    return 'unicast';
  }
  return v4Range(parsed as ipaddr.IPv4);
};

const canonicalV6 = (address: string): string => {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address;
  }
};

const v4Range = (v4: ipaddr.IPv4): string => {
  const range = v4.range();
  if (range !== 'unicast') return range;
  if (extraV4.some((cidr) => v4.match(cidr))) return 'reserved';
  return 'unicast';
};

/** True when the address is a public unicast address (the only kind allowed without allowPrivate). */
export const isPublicUnicast = (address: string): boolean => addressRange(address) === 'unicast';

/**
 * Null when every address may be contacted, otherwise a short reason for the first refused one
 * (its range, not the address: internal addressing is not echoed back). An empty list is refused.
 */
export const refusedAddress = (addresses: readonly string[], allowPrivate: boolean): string | null => {
  if (addresses.length === 0) return 'the host has no address';
  for (const address of addresses) {
    const range = addressRange(address);
    if (range === 'invalid') return 'the host resolved to an invalid address';
    if (range !== 'unicast' && !allowPrivate) return `the host resolves to a non-public address (${range})`;
  }
  return null;
};

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** The URL's own rules: https (http only with allowHttp), no credentials, a host; a port is fine. */
export const parseWebhookUrl = (raw: string, allowHttp: boolean): UrlCheck => {
  if (raw.length > 2048) return { ok: false, reason: 'the URL is too long' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'the URL is not a valid absolute URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttp)) {
    return { ok: false, reason: 'the URL must use https' };
  }
  if (url.username || url.password) return { ok: false, reason: 'the URL must not contain credentials' };
  if (!url.hostname) return { ok: false, reason: 'the URL must name a host' };
  return { ok: true, url };
};

/** The address when the URL's host is an IP literal ([::1] loses its brackets), else null. */
export const literalAddress = (url: URL): string | null => {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
};
