// The Images view's sources (src/extension/engines/imageSources.ts): which rows the settings give,
// in which order, and which added endpoints are usable.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allSources, engineSource, parseEngineEndpoints, visibleSources } from '../../src/extension/engines/imageSources';

describe('image sources', () => {
  it('shows the store, Docker and Podman by default, then added engines in the setting\'s order', () => {
    const engineEndpoints = parseEngineEndpoints([{ name: 'build box', host: 'tcp://10.0.0.5:2375' }, { name: 'staging', context: 'staging', kind: 'podman' }]);
    assert.deepEqual(visibleSources({ engineEndpoints, hiddenSources: [] }).map((s) => `${s.id}/${s.kind}`), ['store/store', 'docker/docker', 'podman/podman', 'build box/docker', 'staging/podman']);
    assert.equal(engineSource({ engineEndpoints }, 'staging')?.endpoint?.context, 'staging');
    assert.equal(engineSource({ engineEndpoints }, 'store'), undefined);
  });

  it('leaves out the hidden ones, built-in or added', () => {
    const engineEndpoints = parseEngineEndpoints([{ name: 'remote', host: 'tcp://h:2375' }]);
    assert.deepEqual(visibleSources({ engineEndpoints, hiddenSources: ['podman', 'remote'] }).map((s) => s.id), ['store', 'docker']);
    assert.deepEqual(visibleSources({ engineEndpoints, hiddenSources: ['store'] }).map((s) => s.id), ['docker', 'podman', 'remote']);
    // Hidden sources are still known (a copy's target can be named), only not shown.
    assert.equal(allSources({ engineEndpoints }).length, 4);
  });

  it('keeps only endpoints with a place to go and a name of their own', () => {
    const parsed = parseEngineEndpoints([
      { name: 'docker', host: 'tcp://a:2375' },
      { name: 'nowhere' },
      'tcp://not-an-object:2375',
      { host: ' unix:///tmp/other.sock ' },
      { name: 'twice', host: 'tcp://b:2375' },
      { name: 'twice', host: 'tcp://c:2375' },
      { name: 'pod', host: 'unix:///run/p.sock', kind: 'podman' },
    ]);
    assert.deepEqual(parsed, [
      { name: 'unix:///tmp/other.sock', kind: 'docker', host: 'unix:///tmp/other.sock' },
      { name: 'twice', kind: 'docker', host: 'tcp://b:2375' },
      { name: 'pod', kind: 'podman', host: 'unix:///run/p.sock' },
    ]);
    assert.deepEqual(parseEngineEndpoints('not a list'), []);
  });
});
