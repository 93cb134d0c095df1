// `COPY --chown=NAME[:GROUP]` needs the ids the image's own /etc/passwd and /etc/group give those
// names, as Docker's builder looks them up. The files are found as the image has them: the top-most
// layer that holds or deletes them decides (whiteouts and opaque directories honoured); the layer
// listings (cached by the layer analysis) say which layer that is, so only that one is read.

import { skipEntry, tarEntries } from '../archive/tarEntries';
import { StevedoreError } from '../errors';
import type { Layer, ListingCache } from '../image/image';
import { readLayer } from '../layers/imageLayers';
import { cleanEntryPath, EntryKind, type LayerListing } from '../layers/layerListing';

/** Files bigger than this are not a user database. */
const MAX_BYTES = 4 * 1024 * 1024;

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * "1000", "1000:1000", "app", "app:staff", "app:1000": names looked up in the image. Without a
 * group, a numeric user gives its number as the gid too, and a named one the group of the same
 * name — what Docker's builder does (`--chown=app` fails there when the image has no group "app").
 */
export async function resolveChown(spec: string, layers: readonly Layer[], cache: ListingCache | undefined, signal?: AbortSignal): Promise<Owner> {
  const [user, group] = spec.split(':', 2) as [string, string | undefined];
  if (!user) throw new StevedoreError('INVALID_ARGUMENT', `--chown=${spec}: the user is empty.`);
  const uid = /^\d+$/.test(user) ? Number(user) : await lookUp(layers, cache, 'etc/passwd', user, 2, signal);
  const groupName = group === undefined || group === '' ? user : group;
  const gid = /^\d+$/.test(groupName) ? Number(groupName) : await lookUp(layers, cache, 'etc/group', groupName, 2, signal);
  return { uid, gid };
}

async function lookUp(layers: readonly Layer[], cache: ListingCache | undefined, path: string, name: string, idField: number, signal: AbortSignal | undefined): Promise<number> {
  const what = path === 'etc/passwd' ? 'user' : 'group';
  const text = await readImageFile(layers, cache, path, signal);
  if (text === undefined) throw new StevedoreError('INVALID_ARGUMENT', `unable to find ${what} ${name}: the image has no /${path}. Use numeric ids with --chown.`);
  for (const line of text.toString('utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && /^\d+$/.test(fields[idField] ?? '')) return Number(fields[idField]);
  }
  throw new StevedoreError('INVALID_ARGUMENT', `unable to find ${what} ${name}: no matching entries in /${path}.`);
}

/** A small regular file as the image has it, or undefined when the image lacks it (or deleted it). */
export async function readImageFile(layers: readonly Layer[], cache: ListingCache | undefined, path: string, signal?: AbortSignal): Promise<Buffer | undefined> {
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index]!;
    const listing = (await cache?.read(layer.descriptor.digest)) ?? (await readLayer(layer, signal ? { signal } : {}));
    const verdict = verdictOf(listing, path);
    if (verdict === 'absent') continue;
    if (verdict === 'deleted') return undefined;
    return extract(layer, path, signal);
  }
  return undefined;
}

/** What a layer says about `path`: holds it as a file, deletes or hides it, or leaves it to lower layers. */
function verdictOf(listing: LayerListing, path: string): 'file' | 'deleted' | 'absent' {
  const parents = new Set<string>(['']);
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) parents.add(path.slice(0, i));
  let verdict: 'file' | 'deleted' | 'absent' = 'absent';
  for (let i = 0; i < listing.paths.length; i++) {
    const entry = listing.paths[i]!;
    const kind = listing.kinds[i];
    if (entry === path) {
      if (kind === EntryKind.file) return 'file';
      verdict = 'deleted'; // a whiteout of it, or something that is not a regular file
    } else if (kind === EntryKind.whiteout && parents.has(entry)) {
      verdict = 'deleted';
    } else if (kind === EntryKind.opaque && parents.has(entry)) {
      verdict = 'deleted'; // lower layers are hidden below that directory, and this one lacks the file
    }
  }
  return verdict;
}

async function extract(layer: Layer, path: string, signal: AbortSignal | undefined): Promise<Buffer> {
  const what = `Layer ${layer.index} (${layer.descriptor.digest})`;
  const source = layer.uncompressed(signal ? { signal } : {});
  for await (const { header, body } of tarEntries(source, { what, ...(signal ? { signal } : {}) })) {
    if (cleanEntryPath(header.name) !== path) {
      await skipEntry(body);
      continue;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > MAX_BYTES) throw new StevedoreError('INVALID_ARGUMENT', `/${path} in ${what} is larger than ${MAX_BYTES} bytes; it is not read as a user database.`);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }
  throw new StevedoreError('STORE_CORRUPT', `${what} lists /${path} but the file is not in it. Run "stevedore system check".`);
}
