// The inspector webview's logic that needs no DOM: the message channel both sides use, the rows a
// filtered and collapsed file tree shows (on a real analysed image and on 100,000 files), the
// virtual list's arithmetic, the layers table's rows, verification summaries, saved states, and
// how numbers and build steps are written.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NodeFlag, NodeType, TREE_FORMAT, type CompactTree } from '../../src/core/layers/compactTree';
import { analyseImageLayers, type ImageLayers } from '../../src/core/layers/imageLayers';
import type { VerifyResult } from '../../src/core/layers/verifyImage';
import { count, createdText, efficiencyGrade, percent, progressText } from '../../src/webview/inspector/formatting';
import { IpcEndpoint, IpcError } from '../../src/webview/inspector/ipc';
import { layerTableRows, shortMediaType, stepText } from '../../src/webview/inspector/layerRows';
import { notificationType, parseIpcMessage, parseViewState, requestType, type IpcMessage } from '../../src/webview/inspector/protocol';
import { TreeRows } from '../../src/webview/inspector/treeRows';
import { checkTitle, findCheck, verifySummary } from '../../src/webview/inspector/verifyChecks';
import { pageRows, rowWindow, scrollToReveal } from '../../src/webview/inspector/virtualWindow';
import { openTempStore } from '../helpers/fixtures';
import { exampleLayers, storeLayeredImage } from '../helpers/layeredImages';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** Two endpoints wired back to back, messages delivered asynchronously as postMessage does. */
function connectedPair(): { host: IpcEndpoint; webview: IpcEndpoint; problems: string[]; sent: IpcMessage[] } {
  const problems: string[] = [];
  const sent: IpcMessage[] = [];
  const sides: { host?: IpcEndpoint; webview?: IpcEndpoint } = {};
  const deliver = (to: 'host' | 'webview') => (message: IpcMessage) => {
    sent.push(message);
    // A structured clone, as postMessage makes: nothing is shared between the sides.
    const copy: unknown = structuredClone(message);
    queueMicrotask(() => sides[to]!.receive(copy));
  };
  const host = new IpcEndpoint(deliver('webview'), (p) => problems.push(`host: ${p}`));
  const webview = new IpcEndpoint(deliver('host'), (p) => problems.push(`webview: ${p}`));
  Object.assign(sides, { host, webview });
  return { host, webview, problems, sent };
}

describe('inspector IPC', () => {
  const ping = notificationType<{ n: number }>('ping');
  const double = requestType<{ n: number }, number>('double');
  const fail = requestType<Record<string, never>, never>('fail');

  it('delivers notifications and answers requests with their results', async () => {
    const { host, webview, problems } = connectedPair();
    const heard: number[] = [];
    host.onNotification(ping, (p) => heard.push(p.n));
    host.onRequest(double, async (p) => p.n * 2);
    webview.notify(ping, { n: 1 });
    webview.notify(ping, { n: 2 });
    assert.equal(await webview.request(double, { n: 21 }), 42);
    assert.deepEqual(heard, [1, 2]);
    assert.deepEqual(problems, []);
  });

  it('a failing handler rejects the request on the other side with its message and code, not its stack', async () => {
    const { host, webview, sent } = connectedPair();
    host.onRequest(fail, () => {
      throw Object.assign(new Error('Layer 3 is missing from the image store.'), { code: 'BLOB_NOT_FOUND' });
    });
    await assert.rejects(webview.request(fail, {}), (err: unknown) => err instanceof IpcError && err.code === 'BLOB_NOT_FOUND' && err.message === 'Layer 3 is missing from the image store.');
    const response = sent.find((m) => m.type === 'response');
    assert.deepEqual(response, { type: 'response', id: 1, error: { message: 'Layer 3 is missing from the image store.', code: 'BLOB_NOT_FOUND' } });
  });

  it('an unknown request is answered with an error; unknown notifications and junk are reported, not thrown', async () => {
    const { webview, problems } = connectedPair();
    await assert.rejects(webview.request(requestType<null, null>('nope'), null), /does not know the request "nope"/);
    webview.notify(notificationType<null>('unheard'), null);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(problems, ['host: no handler for notification "unheard"']);
    const endpoint = new IpcEndpoint(() => undefined, (p) => problems.push(p));
    for (const junk of [null, 'text', { type: 'request', method: 'x' }, { type: 'response', id: -1 }, { type: 'other' }]) endpoint.receive(junk);
    assert.equal(problems.filter((p) => p.includes('not an inspector message')).length, 5);
  });

  it('closing rejects what is still waiting and sends nothing more', async () => {
    const posted: IpcMessage[] = [];
    const endpoint = new IpcEndpoint((m) => posted.push(m));
    const pending = endpoint.request(double, { n: 1 });
    endpoint.close();
    await assert.rejects(pending, (err: unknown) => err instanceof IpcError && err.code === 'CANCELLED');
    await assert.rejects(endpoint.request(double, { n: 2 }), /closed/);
    endpoint.notify(ping, { n: 3 });
    assert.equal(posted.length, 1);
  });

  it('a post that fails (the webview is gone) is reported, and a thenable rejection too', async () => {
    const problems: string[] = [];
    const throwing = new IpcEndpoint(() => {
      throw new Error('Webview is disposed');
    }, (p) => problems.push(p));
    throwing.notify(ping, { n: 1 });
    const rejecting = new IpcEndpoint(() => ({ then: (_ok: unknown, no: (e: unknown) => void) => no(new Error('gone')) }), (p) => problems.push(p));
    rejecting.notify(ping, { n: 1 });
    assert.deepEqual(problems, ['could not send "ping": Webview is disposed', 'could not send "ping": Error: gone']);
  });

  it('parses envelopes strictly', () => {
    assert.deepEqual(parseIpcMessage({ type: 'notification', method: 'm', params: { a: 1 } }), { type: 'notification', method: 'm', params: { a: 1 } });
    assert.deepEqual(parseIpcMessage({ type: 'response', id: 3, error: { message: 42 } }), { type: 'response', id: 3, error: { message: 'The other side of the inspector failed without saying why.' } });
    assert.equal(parseIpcMessage({ type: 'request', id: 1.5, method: 'm' }), null);
    assert.equal(parseIpcMessage({ type: 'notification', method: 7 }), null);
  });
});

describe('saved inspector state', () => {
  it('reads back a saved state and repairs what is out of range', () => {
    const state = parseViewState({ version: 1, image: { manifestDigest: DIGEST, reference: 'redis:7' }, selectedLayer: 2, view: 'merged', filter: 'etc', changesOnly: true });
    assert.deepEqual(state, { version: 1, image: { manifestDigest: DIGEST, reference: 'redis:7' }, selectedLayer: 2, view: 'merged', filter: 'etc', changesOnly: true });
    assert.deepEqual(parseViewState({ image: { manifestDigest: DIGEST }, selectedLayer: -1, view: 'sideways', filter: 3 }), {
      version: 1,
      image: { manifestDigest: DIGEST },
      selectedLayer: null,
      view: 'layer',
      filter: '',
      changesOnly: false,
    });
  });

  it('refuses a state that does not name an image by a valid digest', () => {
    for (const bad of [undefined, null, 'x', {}, { image: { manifestDigest: 'sha256:short' } }, { image: { manifestDigest: '../../etc/passwd' } }]) assert.equal(parseViewState(bad), null);
  });
});

/** A tree by hand: / → a/ (a/x, a/y/ → a/y/z), b. Paths and statuses chosen for the filters. */
function handTree(): CompactTree {
  const dir = NodeType.dir;
  const added = 1 << NodeFlag.statusShift;
  const deleted = 3 << NodeFlag.statusShift;
  return {
    format: TREE_FORMAT,
    view: 'layer',
    layer: 0,
    count: 6,
    parent: [-1, 0, 1, 1, 3, 0],
    name: ['', 'a', 'x', 'y', 'z', 'b'],
    size: [30, 20, 10, 10, 10, 10],
    flags: [dir, dir | NodeFlag.changedBelow, added, dir | NodeFlag.changedBelow, deleted, 0],
    mode: [0o755, 0o755, 0o644, 0o755, 0o644, 0o644],
    uid: [0, 0, 0, 0, 0, 0],
    gid: [0, 0, 0, 0, 0, 0],
    source: [-1, 0, 0, 0, 0, 0],
    links: [],
  };
}

describe('file tree rows', () => {
  it('shows every node but the root, in order, with depths and subtrees', () => {
    const rows = new TreeRows(handTree());
    assert.deepEqual([...rows.rows], [1, 2, 3, 4, 5]);
    assert.deepEqual([...rows.depths], [0, 1, 2, 2, 3, 1]);
    assert.equal(rows.matchCount, 5);
    assert.equal(rows.hasChildren(1), true);
    assert.equal(rows.hasChildren(2), false);
    assert.equal(rows.parentOf(1), -1);
    assert.equal(rows.parentOf(4), 3);
  });

  it('collapsing skips the subtree; revealing a node expands its ancestors', () => {
    const rows = new TreeRows(handTree());
    assert.equal(rows.setExpanded(3, false), true);
    assert.deepEqual([...rows.rows], [1, 2, 3, 5]);
    assert.equal(rows.setExpanded(3, false), false, 'collapsing twice changes nothing');
    assert.equal(rows.setExpanded(2, false), false, 'a file cannot collapse');
    rows.collapseAll();
    assert.deepEqual([...rows.rows], [1, 5]);
    assert.equal(rows.reveal(4), 3);
    assert.deepEqual([...rows.rows], [1, 2, 3, 4, 5]);
    assert.equal(rows.rowOf(5), 4);
    assert.equal(rows.rowOf(0), -1);
  });

  it('filters by path text and by change, keeping the directories that lead to matches', () => {
    const rows = new TreeRows(handTree(), { text: 'Z' });
    assert.deepEqual([...rows.rows], [1, 3, 4]);
    assert.equal(rows.matchCount, 3);
    assert.equal(rows.hasChildren(1), true);
    rows.setFilter({ changesOnly: true });
    assert.deepEqual([...rows.rows], [1, 2, 3, 4]);
    rows.setFilter({ text: '/b' });
    assert.deepEqual([...rows.rows], [5]);
    assert.equal(rows.hasChildren(1), false, 'a directory whose children are all filtered out has no twisty');
    rows.setFilter({ text: 'nothing-like-this' });
    assert.deepEqual([...rows.rows], []);
    assert.equal(rows.matchCount, 0);
  });

  it('a new filter expands everything again, so collapsed matches are not hidden', () => {
    const rows = new TreeRows(handTree());
    rows.collapseAll();
    rows.setFilter({ text: 'z' });
    assert.deepEqual([...rows.rows], [1, 3, 4]);
  });

  describe('on an analysed image', () => {
    let layers: ImageLayers;
    let cleanup: () => Promise<void>;
    before(async () => {
      const temp = await openTempStore();
      cleanup = temp.cleanup;
      const record = await storeLayeredImage(temp.store, await exampleLayers(), 'inspector/rows:1');
      layers = await analyseImageLayers(await temp.store.load(record));
    });
    after(() => cleanup());

    it("layer 1's own tree, only its changes: everything but the passwd it listed unchanged", () => {
      const tree = layers.layerTree(1);
      const rows = new TreeRows(tree, { changesOnly: true });
      const paths = [...rows.rows].map((i) => tree.name[i]);
      assert.deepEqual(paths, ['etc', 'conf.d', 'a.conf', 'b.conf', 'c.conf', 'hosts', 'home', 'user', 'notes.txt', 'usr', 'bin', 'sh', 'var', 'cache', 'big.bin']);
      assert.equal(rows.matchCount, 15);
    });

    it('the merged tree after the last layer, filtered to "conf"', () => {
      const tree = layers.mergedTree(2);
      const rows = new TreeRows(tree, { text: 'conf' });
      assert.deepEqual([...rows.rows].map((i) => tree.name[i]), ['etc', 'conf.d', 'c.conf']);
    });
  });

  it('100,000 files: filtering and collapsing are linear passes over typed arrays', () => {
    const n = 100_000;
    const tree: CompactTree = { format: TREE_FORMAT, view: 'merged', layer: 0, count: 0, parent: [], name: [], size: [], flags: [], mode: [], uid: [], gid: [], source: [], links: [] };
    const push = (parent: number, name: string, flags: number): number => {
      tree.parent.push(parent);
      tree.name.push(name);
      tree.size.push(0);
      tree.flags.push(flags);
      tree.mode.push(0o644);
      tree.uid.push(0);
      tree.gid.push(0);
      tree.source.push(0);
      return tree.count++;
    };
    push(-1, '', NodeType.dir);
    for (let d = 0; d < 100; d++) {
      const dir = push(0, `package-${d}`, NodeType.dir);
      for (let f = 0; f < n / 100; f++) push(dir, `file-${f}.txt`, f % 1000 === 0 ? 1 << NodeFlag.statusShift : 0);
    }
    const rows = new TreeRows(tree);
    assert.equal(rows.rowCount, n + 100);
    rows.setFilter({ text: 'file-999.' });
    assert.equal(rows.rowCount, 200);
    rows.setFilter({ changesOnly: true });
    assert.equal(rows.rowCount, 200);
    rows.setFilter({});
    rows.collapseAll();
    assert.equal(rows.rowCount, 100);
    assert.equal(rows.reveal(tree.count - 1), 99 + 1000);
  });
});

describe('virtual window', () => {
  it('draws the rows in view plus an overscan, clamped to the list', () => {
    assert.deepEqual(rowWindow(0, 220, 22, 1000, 8), { start: 0, end: 19 });
    assert.deepEqual(rowWindow(2200, 220, 22, 1000, 8), { start: 92, end: 119 });
    assert.deepEqual(rowWindow(21_978, 220, 22, 1000, 8), { start: 991, end: 1000 });
    assert.deepEqual(rowWindow(999_999, 220, 22, 1000, 8), { start: 991, end: 1000 });
    assert.deepEqual(rowWindow(0, 220, 22, 0), { start: 0, end: 0 });
    assert.deepEqual(rowWindow(-50, 44, 22, 3, 0), { start: 0, end: 3 });
  });

  it('scrolls the least needed to reveal a row', () => {
    assert.equal(scrollToReveal(5, 0, 220, 22), 0);
    assert.equal(scrollToReveal(10, 0, 220, 22), 22);
    assert.equal(scrollToReveal(2, 100, 220, 22), 44);
    assert.equal(pageRows(220, 22), 9);
    assert.equal(pageRows(10, 22), 1);
  });
});

describe('layers table rows', () => {
  const layer = (index: number, historyIndex: number | null) => ({ index, digest: DIGEST, diffId: DIGEST, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 1, historyIndex });
  const step = (createdBy: string, layerIndex: number | null, emptyLayer = layerIndex === null) => ({ createdBy, emptyLayer, layer: layerIndex });

  it('interleaves the steps that made no layer with the layers, in history order', () => {
    const rows = layerTableRows({
      layers: [layer(0, 0), layer(1, 2), layer(2, null)],
      history: [step('ADD rootfs.tar /', 0), step('ENV A=1', null), step('RUN make', 1), step('CMD ["sh"]', null)],
    });
    assert.deepEqual(
      rows.map((r) => (r.kind === 'layer' ? `L${r.layer.index}:${r.step?.createdBy ?? '-'}` : `step:${r.step.createdBy}`)),
      ['L0:ADD rootfs.tar /', 'step:ENV A=1', 'L1:RUN make', 'step:CMD ["sh"]', 'L2:-'],
    );
  });

  it('writes build steps as a Dockerfile would', () => {
    assert.equal(stepText({ createdBy: '/bin/sh -c #(nop)  CMD ["sh"]' }), 'CMD ["sh"]');
    assert.equal(stepText({ createdBy: '/bin/sh -c apt-get update &&     apt-get install -y curl' }), 'RUN apt-get update && apt-get install -y curl');
    assert.equal(stepText({ createdBy: '|2 A=1 B=two /bin/sh -c make' }), 'RUN make');
    assert.equal(stepText({ createdBy: 'COPY app /app # buildkit' }), 'COPY app /app # buildkit');
    assert.equal(stepText({ createdBy: '', comment: 'Imported from rootfs.tar' }), 'Imported from rootfs.tar');
    assert.equal(stepText(null), '');
  });

  it('shortens layer media types', () => {
    assert.equal(shortMediaType('application/vnd.oci.image.layer.v1.tar+gzip'), 'OCI tar+gzip');
    assert.equal(shortMediaType('application/vnd.oci.image.layer.v1.tar'), 'OCI tar');
    assert.equal(shortMediaType('application/vnd.oci.image.layer.v1.tar+zstd'), 'OCI tar+zstd');
    assert.equal(shortMediaType('application/vnd.docker.image.rootfs.diff.tar.gzip'), 'Docker tar+gzip');
    assert.equal(shortMediaType('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'), 'Docker tar+gzip');
    assert.equal(shortMediaType('application/x-other'), 'application/x-other');
  });
});

describe('verification marks', () => {
  const result: VerifyResult = {
    ok: false,
    bytesRead: 100,
    checks: [
      { subject: 'manifest', expected: DIGEST, actual: DIGEST, status: 'match' },
      { subject: 'config', expected: DIGEST, actual: DIGEST, status: 'match' },
      { subject: 'layer', layer: 0, expected: DIGEST, actual: DIGEST, status: 'match' },
      { subject: 'diffId', layer: 0, expected: DIGEST, actual: `sha256:${'cd'.repeat(32)}`, status: 'mismatch', message: 'Layer 0 uncompresses to something else.' },
    ],
  };

  it('finds the check behind each digest and words the outcome', () => {
    assert.equal(findCheck(result, 'diffId', 0)?.status, 'mismatch');
    assert.equal(findCheck(result, 'layer', 1), undefined);
    assert.equal(findCheck(undefined, 'config'), undefined);
    assert.equal(checkTitle(result.checks[0]!), `Verified: the bytes in the store hash to ${DIGEST}.`);
    assert.equal(checkTitle(result.checks[3]!), 'Layer 0 uncompresses to something else.');
    assert.deepEqual(verifySummary(result).text, '1 of 4 digests does not match');
    assert.deepEqual(verifySummary({ ...result, ok: true, checks: result.checks.slice(0, 3) }), { ok: true, text: 'All 3 digests match', problems: [] });
  });
});

describe('inspector formatting', () => {
  it('writes scores, counts, progress and dates', () => {
    assert.equal(percent(0.973519), '97.35 %');
    assert.equal(count(1234567), '1,234,567');
    assert.equal(progressText(45_200_000, 98_000_000), '45.2MB / 98MB (46 %)');
    assert.equal(progressText(10, 0), '10B');
    assert.equal(createdText('2024-01-01T00:00:00Z', new Date('2024-01-10T00:00:00Z')), '2024-01-01 00:00:00 UTC · 9 days ago');
    assert.equal(createdText('yesterday', new Date()), 'yesterday');
    assert.equal(createdText(undefined, new Date()), '—');
    assert.deepEqual([0.95, 0.8, 0.3].map(efficiencyGrade), ['good', 'fair', 'poor']);
  });
});
