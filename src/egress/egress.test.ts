import { describe, expect, it } from 'vitest';
import { addressRefusal, allowedBy, checkEgressEntry } from './index.ts';

describe('egress allowlist', () => {
  it('normalizes and validates entries', () => {
    expect(checkEgressEntry(' API.Example.com ')).toBe('api.example.com');
    expect(checkEgressEntry('*.example.com:8443')).toBe('*.example.com:8443');
    expect(checkEgressEntry('[2001:db8::1]:443')).toBe('[2001:db8::1]:443');
    for (const bad of ['http://api.example.com', 'api.example.com/path', 'a..b', '*.', 'host:99999', '', 'exa mple.com']) expect(() => checkEgressEntry(bad), bad).toThrow(/Egress entry/);
  });

  it('matches host, wildcard and port exactly', () => {
    const entries = ['api.example.com', '*.cdn.example.org', 'api.example.net:8443'];
    const match = (url: string) => allowedBy(entries, new URL(url));
    expect(match('https://api.example.com/x')).toBe('api.example.com');
    expect(match('http://api.example.com/x')).toBe('api.example.com');
    expect(match('https://api.example.com:8443/x')).toBeNull();
    expect(match('https://evil-api.example.com/')).toBeNull();
    expect(match('https://api.example.com.evil.io/')).toBeNull();
    expect(match('https://img.cdn.example.org/a.png')).toBe('*.cdn.example.org');
    expect(match('https://cdn.example.org/')).toBeNull();
    expect(match('https://api.example.net:8443/')).toBe('api.example.net:8443');
    expect(match('https://api.example.net/')).toBeNull();
  });

  it('lets only public unicast addresses through (loopback only on the named test ports)', () => {
    expect(addressRefusal('93.184.216.34', 443, [])).toBeNull();
    expect(addressRefusal('2606:4700::1111', 443, [])).toBeNull();
    for (const address of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '::1', 'fc00::1', 'fd12::1', 'fe80::1', '0.0.0.0', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '100.64.0.1']) {
      expect(addressRefusal(address, 80, []), address).not.toBeNull();
    }
    expect(addressRefusal('172.32.0.1', 80, [])).toBeNull();
    expect(addressRefusal('127.0.0.1', 8123, [8123])).toBeNull();
    expect(addressRefusal('127.0.0.1', 8124, [8123])).toMatch(/loopback/);
    expect(addressRefusal('10.0.0.1', 8123, [8123])).toMatch(/private/);
  });
});
