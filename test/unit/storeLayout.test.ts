import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { defaultStorePath } from '../../src/core/store/layout';

describe('default store location', () => {
  it('prefers an explicit --store, then STEVEDORE_STORE, then XDG_DATA_HOME, then ~/.local/share', () => {
    assert.equal(defaultStorePath({ STEVEDORE_STORE: '/a', XDG_DATA_HOME: '/x' }, 'rel/dir'), resolve('rel/dir'));
    assert.equal(defaultStorePath({ STEVEDORE_STORE: '/a', XDG_DATA_HOME: '/x' }), '/a');
    assert.equal(defaultStorePath({ XDG_DATA_HOME: '/x' }), '/x/stevedore');
    assert.equal(defaultStorePath({}), join(homedir(), '.local', 'share', 'stevedore'));
  });

  it('ignores a relative XDG_DATA_HOME, as the XDG spec says to', () => {
    assert.equal(defaultStorePath({ XDG_DATA_HOME: 'relative' }), join(homedir(), '.local', 'share', 'stevedore'));
  });
});
