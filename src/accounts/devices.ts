import { isIP } from 'node:net';
import Bowser from 'bowser';

/**
 * A device as a person recognises it, from the request's user agent (bowser, a maintained
 * parser): "Firefox 128 on Linux". Unknown or absent: "Unknown device".
 */
export function deviceName(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const parsed = Bowser.getParser(userAgent);
  const browser = parsed.getBrowser();
  const os = parsed.getOS();
  const name = browser.name ? `${browser.name}${browser.version ? ` ${browser.version.split('.')[0]}` : ''}` : null;
  const system = os.name ? `${os.name}${os.versionName ? ` ${os.versionName}` : ''}` : null;
  if (name && system) return `${name} on ${system}`;
  return name ?? system ?? 'Unknown device';
}

/**
 * The network an address belongs to, as far as a person can tell one place from another: an IPv4
 * address's /24, an IPv6 address's /48 (an IPv4-mapped IPv6 address counts as IPv4). Null when unknown.
 */
export function networkPrefix(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const address = mapped ?? ip;
  if (isIP(address) === 4) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIP(address) !== 6) return null;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 3)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/48`;
}

/**
 * A device as new-device notices compare it: the browser's and the OS's family (no versions, so
 * an update is not a new device) and the network prefix. "Firefox/Linux@192.0.2.0/24".
 */
export function deviceKey(userAgent: string | null | undefined, ip: string | null | undefined): string {
  const parsed = userAgent ? Bowser.getParser(userAgent) : null;
  const browser = parsed?.getBrowserName() || 'unknown';
  const os = parsed?.getOSName() || 'unknown';
  return `${browser}/${os}@${networkPrefix(ip) ?? 'unknown'}`;
}
