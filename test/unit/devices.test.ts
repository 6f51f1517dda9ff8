import { describe, expect, it } from 'vitest';
import { deviceKey, deviceName, networkPrefix } from '../../src/accounts/devices.js';

describe('how a person recognises a session', () => {
  it('names the browser and system from the user agent', () => {
    expect(deviceName('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe(
      'Firefox 128 on Linux',
    );
    expect(
      deviceName(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari 17 on iOS');
    expect(deviceName(null)).toBe('Unknown device');
    expect(deviceName('curl/8.5.0')).toMatch(/curl|Unknown device/i);
  });

  it('keeps an address to its network: an IPv4 /24, an IPv6 /48', () => {
    expect(networkPrefix('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkPrefix('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
    expect(networkPrefix('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkPrefix('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(networkPrefix('not an address')).toBeNull();
    expect(networkPrefix(null)).toBeNull();
  });

  it('compares devices by browser and OS family and network: a version update is the same device, a new network is not', () => {
    const firefox = (version: number) =>
      `Mozilla/5.0 (X11; Linux x86_64; rv:${version}.0) Gecko/20100101 Firefox/${version}.0`;
    expect(deviceKey(firefox(128), '192.0.2.10')).toBe('Firefox/Linux@192.0.2.0/24');
    expect(deviceKey(firefox(129), '192.0.2.200')).toBe(deviceKey(firefox(128), '192.0.2.10'));
    expect(deviceKey(firefox(128), '192.0.3.10')).not.toBe(deviceKey(firefox(128), '192.0.2.10'));
    expect(deviceKey(null, null)).toBe('unknown/unknown@unknown');
  });
});
