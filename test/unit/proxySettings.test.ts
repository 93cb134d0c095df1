// Which requests go through a proxy: Go's rules (Docker, skopeo and podman follow them), checked
// case by case, and the proxy's credentials never in what is shown.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeProxy, proxyFor, proxySettingsFromEnv } from '../../src/core/registry/proxySettings';

const settings = (noProxy?: string) => ({ httpProxy: 'http://plain-proxy:3128', httpsProxy: 'proxy.corp:8080', ...(noProxy !== undefined ? { noProxy } : {}) });
const via = (url: string, noProxy?: string): string | undefined => proxyFor(new URL(url), settings(noProxy))?.href;

describe('proxy settings', () => {
  it('reads the environment, upper case before lower case, ignoring empty values', () => {
    assert.deepEqual(proxySettingsFromEnv({ HTTPS_PROXY: 'http://a:1', https_proxy: 'http://b:1', http_proxy: 'http://c:1', NO_PROXY: '', no_proxy: 'x.com' }), {
      httpProxy: 'http://c:1',
      httpsProxy: 'http://a:1',
      noProxy: 'x.com',
    });
    assert.deepEqual(proxySettingsFromEnv({}), {});
  });

  it('picks the proxy by the scheme of the request; a proxy without a scheme is http', () => {
    assert.equal(via('https://registry.example.com/v2/'), 'http://proxy.corp:8080/');
    assert.equal(via('http://registry.example.com:5000/v2/'), 'http://plain-proxy:3128/');
    assert.equal(proxyFor(new URL('https://r.example.com/'), { httpProxy: 'http://p:1' }), undefined, 'no HTTPS_PROXY: https goes direct');
    assert.equal(proxyFor(new URL('https://r.example.com/'), undefined), undefined);
  });

  it('never proxies loopback', () => {
    for (const url of ['https://localhost:5000/', 'https://127.0.0.1/', 'https://127.8.9.1:443/', 'https://[::1]:5000/', 'https://registry.localhost/']) assert.equal(via(url), undefined, url);
  });

  it('follows NO_PROXY: *, hosts and their subdomains, .subdomains only, IPs, CIDR ranges, ports', () => {
    const cases: [string, string, boolean][] = [
      ['https://r.example.com/', '*', false],
      ['https://example.com/', 'example.com', false],
      ['https://r.example.com/', 'example.com', false],
      ['https://r.example.com/', 'EXAMPLE.com', false],
      ['https://notexample.com/', 'example.com', true],
      ['https://example.com/', '.example.com', true],
      ['https://r.example.com/', '.example.com', false],
      ['https://r.example.com/', '*.example.com', false],
      ['https://10.1.2.3/', '10.1.2.3', false],
      ['https://10.1.2.4/', '10.1.2.3', true],
      ['https://10.1.2.4/', '10.0.0.0/8', false],
      ['https://11.1.2.4/', '10.0.0.0/8', true],
      ['https://[fd00::5]/', 'fd00::/16', false],
      ['https://r.example.com:5000/', 'r.example.com:5000', false],
      ['https://r.example.com/', 'r.example.com:5000', true],
      ['https://r.example.com/', 'r.example.com:443', false],
      ['https://[fd00::5]:5000/', '[fd00::5]:5000', false],
      ['https://r.example.com/', 'a.com, other.org  r.example.com', false],
      ['https://r.example.com/', ' , ', true],
    ];
    for (const [url, noProxy, proxied] of cases) assert.equal(via(url, noProxy) !== undefined, proxied, `${url} with NO_PROXY=${noProxy}`);
  });

  it('refuses a proxy that is not http(s), and never shows its credentials', () => {
    assert.throws(() => proxyFor(new URL('https://r.example.com/'), { httpsProxy: 'socks5://u:secret@p:1080' }), (err: Error) => /socks5/.test(err.message) && !err.message.includes('secret'));
    assert.throws(() => proxyFor(new URL('https://r.example.com/'), { httpsProxy: 'http://u:secret@[bad' }), (err: Error) => !err.message.includes('secret'));
    assert.equal(describeProxy(new URL('http://user:secret@proxy.corp:8080/')), 'http://proxy.corp:8080');
  });
});
