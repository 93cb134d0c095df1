// The extension-host parts of the inspector that need no VS Code: the page and its Content
// Security Policy, what the open command accepts and the image it finds in a real store, the
// header built from the store's record and the image's manifest and config, and the progress gate.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import type { ImageRecord, ImageStore } from '../../src/core/store/imageStore';
import { tagImage } from '../../src/core/store/tagImage';
import { findByManifest, inspectorRequest, resolveInspectorImage } from '../../src/extension/inspector/inspectorArgument';
import { contentSecurityPolicy, escapeHtml, inspectorHtml, newNonce } from '../../src/extension/inspector/inspectorHtml';
import { imageOverview, imageTitle } from '../../src/extension/inspector/imageOverview';
import { ProgressGate } from '../../src/extension/inspector/progressGate';
import { openTempStore } from '../helpers/fixtures';
import { exampleLayers, storeLayeredImage } from '../helpers/layeredImages';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('inspector page', () => {
  const page = {
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    script: 'document.body.dataset.ran = "1";',
    style: 'body { color: red }',
    nonce: 'bm9uY2Ugbm9uY2Ugbm9uY2U=',
    title: 'Inspect <evil>"name"',
    target: { manifestDigest: DIGEST, reference: 'a"b</div><script>alert(1)</script>' },
  };

  it("allows nothing by default, scripts only with the page's nonce, styles with it or from the extension", () => {
    const csp = contentSecurityPolicy(page.cspSource, page.nonce);
    const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), [`'nonce-${page.nonce}'`]);
    assert.deepEqual(directives.get('style-src'), [page.cspSource, `'nonce-${page.nonce}'`]);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });

  it('carries the policy, the bundle and the stylesheet written in with the nonce (nothing to fetch), and escaped text', () => {
    const html = inspectorHtml(page);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; /);
    const scripts = [...html.matchAll(/<script\b[^>]*>([^<]*)<\/script>/g)].map((m) => [m[0].slice(0, m[0].indexOf('>') + 1), m[1]]);
    assert.deepEqual(scripts, [[`<script nonce="${page.nonce}">`, page.script]]);
    const styles = [...html.matchAll(/<style\b[^>]*>([^<]*)<\/style>/g)].map((m) => [m[0].slice(0, m[0].indexOf('>') + 1), m[1]]);
    assert.deepEqual(styles, [[`<style nonce="${page.nonce}">`, page.style]]);
    assert.doesNotMatch(html, /<link|\ssrc=|\shref=/, 'nothing fetched');
    assert.doesNotMatch(html, /\sstyle="|\son\w+="/, 'no style attributes or event handlers');
    assert.match(html, /<title>Inspect &lt;evil&gt;&quot;name&quot;<\/title>/);
    assert.doesNotMatch(html, /<script>alert/);
    const target = /data-target="([^"]*)"/.exec(html)?.[1] ?? '';
    assert.deepEqual(JSON.parse(target.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&')), page.target);
  });

  it('refuses a bundle that would end its element early, rather than run the rest as markup', () => {
    assert.throws(() => inspectorHtml({ ...page, script: 'const s = "</SCRIPT><img src=x>";' }), /contains "<\/script"/);
    assert.throws(() => inspectorHtml({ ...page, style: 'a::after { content: "</style>" }' }), /contains "<\/style"/);
  });

  it('makes a new 128-bit nonce for every page', () => {
    const nonces = new Set(Array.from({ length: 50 }, newNonce));
    assert.equal(nonces.size, 50);
    for (const n of nonces) assert.equal(Buffer.from(n, 'base64').length, 16);
    assert.equal(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('openInspector arguments', () => {
  it('reads references, IDs, tree items and { reference }; nothing means a quick pick', () => {
    assert.deepEqual(inspectorRequest(undefined), { kind: 'pick' });
    assert.deepEqual(inspectorRequest('  '), { kind: 'pick' });
    assert.deepEqual(inspectorRequest(' redis:7 '), { kind: 'name', name: 'redis:7' });
    assert.deepEqual(inspectorRequest({ reference: 'redis:7' }), { kind: 'name', name: 'redis:7' });
    assert.deepEqual(inspectorRequest({ id: 'abc123' }), { kind: 'name', name: 'abc123' });
    assert.deepEqual(inspectorRequest({ kind: 'image', record: { manifestDigest: DIGEST }, reference: 'docker.io/library/redis:7' }), {
      kind: 'record',
      manifestDigest: DIGEST,
      reference: 'docker.io/library/redis:7',
    });
    assert.deepEqual(inspectorRequest({ record: { manifestDigest: DIGEST } }), { kind: 'record', manifestDigest: DIGEST });
  });

  it('refuses anything else with a message saying what to pass', () => {
    for (const bad of [42, [], { record: { manifestDigest: 'nope' } }, { other: true }]) {
      assert.throws(() => inspectorRequest(bad), (err: unknown) => err instanceof StevedoreError && err.code === 'INVALID_ARGUMENT' && /pass a reference/.test(err.message));
    }
  });
});

describe('inspector and the store', () => {
  let store: ImageStore;
  let cleanup: () => Promise<void>;
  let record: ImageRecord;
  before(async () => {
    ({ store, cleanup } = await openTempStore());
    record = await storeLayeredImage(store, await exampleLayers(), 'example/layers:1', { emptySteps: { 1: 'ENV A=1', 2: 'CMD ["sh"]' } });
    await tagImage(store, 'example/layers:1', 'localhost:5000/team/layers:2');
    record = await store.find('example/layers:1');
  });
  after(() => cleanup());

  it('finds the image by name, ID prefix, manifest digest or tree item, and remembers only names', async () => {
    assert.deepEqual(await resolveInspectorImage(store, { kind: 'name', name: 'example/layers:1' }), { record, reference: 'example/layers:1' });
    assert.deepEqual(await resolveInspectorImage(store, { kind: 'name', name: record.id.slice(7, 19) }), { record });
    assert.deepEqual(await resolveInspectorImage(store, { kind: 'name', name: record.manifestDigest }), { record });
    assert.deepEqual(await resolveInspectorImage(store, { kind: 'record', manifestDigest: record.manifestDigest }), { record });
  });

  it('an image that is not (or no longer) in the store is IMAGE_NOT_FOUND, with what to do', async () => {
    await assert.rejects(resolveInspectorImage(store, { kind: 'name', name: 'nothing/here:1' }), (err: unknown) => err instanceof StevedoreError && err.code === 'IMAGE_NOT_FOUND');
    await assert.rejects(findByManifest(store, DIGEST, 'gone:1'), (err: unknown) => err instanceof StevedoreError && err.code === 'IMAGE_NOT_FOUND' && /gone:1 .* is no longer in the store.*Pull or load it again/.test(err.message));
  });

  it('builds the header and layers table from the record, manifest and config, without reading layers', async () => {
    const image = await store.load(record);
    const overview = imageOverview(record, image, 'localhost:5000/team/layers:2');
    assert.equal(overview.title, 'localhost:5000/team/layers:2');
    assert.deepEqual(overview.references, ['example/layers:1', 'localhost:5000/team/layers:2']);
    assert.equal(overview.imageId, record.id);
    assert.equal(overview.imageId, image.manifest.config.digest);
    assert.equal(overview.manifestDigest, record.manifestDigest);
    assert.equal(overview.indexDigest, undefined);
    assert.deepEqual(overview.repoDigests, []);
    assert.equal(overview.platform, 'linux/amd64');
    assert.equal(overview.created, '2024-01-01T00:00:00Z');
    assert.equal(overview.storeSize, record.summary.size);
    assert.deepEqual(
      overview.layers.map((l) => [l.index, l.digest, l.diffId, l.size, l.historyIndex]),
      image.manifest.layers.map((d, i) => [i, d.digest, image.config.rootfs.diff_ids[i], d.size, [0, 2, 4][i]]),
    );
    assert.deepEqual(
      overview.history.map((s) => [s.createdBy, s.layer]),
      [
        ['ADD rootfs.tar /', 0],
        ['ENV A=1', null],
        ['RUN configure', 1],
        ['CMD ["sh"]', null],
        ['RUN tidy', 2],
      ],
    );
    assert.deepEqual(overview.layers.map((l) => l.mediaType), ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip']);
  });

  it('titles: the name opened by if the image has it, else its first name, else its short ID', () => {
    assert.equal(imageTitle(record, 'docker.io/example/layers:1'), 'example/layers:1');
    assert.equal(imageTitle(record, 'other:9'), 'example/layers:1');
    assert.equal(imageTitle(record), 'example/layers:1');
    assert.equal(imageTitle({ refs: [], id: DIGEST }), 'abababababab');
  });
});

describe('progress gate', () => {
  it('passes each new step, then one event per percent, and the end once', () => {
    const gate = new ProgressGate();
    const passed: string[] = [];
    const feed = (step: string, bytes: number, total: number) => gate.pass(step, bytes, total) && passed.push(`${step}@${bytes}`);
    feed('layer0', 0, 1000);
    for (let b = 1; b <= 1000; b++) feed('layer0', b, 1000);
    feed('layer0', 1000, 1000);
    feed('layer1', 0, 50);
    feed('layer1', 50, 50);
    assert.equal(passed.filter((p) => p.startsWith('layer0')).length, 101);
    assert.deepEqual(passed.slice(-3), ['layer0@1000', 'layer1@0', 'layer1@50']);
  });
});
