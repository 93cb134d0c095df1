// The V8 flags the launcher sets per bundle (src/cli/v8Flags.ts): none for pull and push unless a
// proxy variable sends their requests through undici, whose WebAssembly parser wants Liftoff only.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { v8FlagsFor } from '../../src/cli/v8Flags';

describe('v8FlagsFor', () => {
  it('leaves the registry bundle with V8\'s defaults, unless a proxy variable is set', () => {
    assert.equal(v8FlagsFor('cliRegistry', {}), undefined);
    assert.equal(v8FlagsFor('cliRegistry', { HTTPS_PROXY: '', http_proxy: '', NO_PROXY: '*' }), undefined);
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) assert.equal(v8FlagsFor('cliRegistry', { [name]: 'http://proxy:3128' }), '--liftoff-only', name);
  });

  it('keeps Liftoff only for the full CLI and --max-opt=1 for images, whatever the environment', () => {
    assert.equal(v8FlagsFor('cliMain', {}), '--liftoff-only');
    assert.equal(v8FlagsFor('cliImages', {}), '--max-opt=1');
    assert.equal(v8FlagsFor('cliImages', { HTTPS_PROXY: 'http://proxy:3128' }), '--max-opt=1');
  });
});
