// ADD of http(s) URLs, as the classic builder does it: each file is downloaded (through the proxy
// settings) into a temporary folder, named after the URL's last path segment (or the server's
// Content-Disposition file name when the path ends in "/"), with mode 0600 and the server's
// Last-Modified as its modification time (the Unix epoch without one); the step then adds it like
// a local file, never unpacked, and its cache key hashes what was downloaded.

import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StevedoreError } from '../errors';
import { fetchUrl, type UrlAccess } from '../image/urlSource';

export interface Downloads {
  /** The temporary folder; the caller removes it with removeDownloads. */
  dir: string;
  /** The downloaded files' names in it, in the order of the URLs. */
  names: string[];
}

const URL_SOURCE = /^[a-z][a-z0-9+.-]*:\/\//i;

export function isUrlSource(source: string): boolean {
  return URL_SOURCE.test(source);
}

export async function downloadForAdd(urls: readonly string[], line: number, options: { access?: UrlAccess; signal?: AbortSignal }): Promise<Downloads> {
  for (const url of urls) {
    if (!/^https?:\/\//i.test(url)) throw new StevedoreError('UNSUPPORTED', `Dockerfile line ${line}: ADD ${url}: only http and https URLs can be added; download the file into the build context and COPY it.`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-add-'));
  try {
    const names: string[] = [];
    for (const url of urls) {
      const fetched = await fetchUrl(url, options.signal, options.access);
      const name = fileNameFor(url, fetched.dispositionName, line);
      const file = join(dir, name);
      await pipeline(Readable.from(fetched.body), createWriteStream(file, { mode: 0o600 }), ...(options.signal ? [{ signal: options.signal }] : []));
      // The mode is Docker's whatever the umask; the time is what the server says the file's is.
      await chmod(file, 0o600);
      const mtime = fetched.lastModified ?? new Date(0);
      await utimes(file, mtime, mtime);
      names.push(name);
    }
    return { dir, names };
  } catch (err) {
    await removeDownloads({ dir, names: [] });
    throw err;
  }
}

export async function removeDownloads(downloads: Downloads): Promise<void> {
  await rm(downloads.dir, { recursive: true, force: true });
}

/** moby's getFilenameForDownload: the URL path's last segment, else the Content-Disposition name. */
function fileNameFor(url: string, dispositionName: string | undefined, line: number): string {
  const path = new URL(url).pathname;
  const segment = path.endsWith('/') ? '' : decodeURIComponent(posix.basename(path));
  const name = segment || posix.basename(dispositionName ?? '');
  if (!name || name === '.' || name === '..') {
    throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${line}: cannot determine a file name for ${url}; name the destination file (ADD ${url} /path/file).`);
  }
  return name;
}
