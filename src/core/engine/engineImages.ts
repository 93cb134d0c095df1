// The image endpoints of the Docker Engine API that Stevedore uses, with the engine's own answers
// and conflict messages passed through. Exports and loads are streams, never buffered.

import { StevedoreError, throwIfAborted } from '../errors';
import type { EngineClient } from './engineClient';
import { readAhead } from './readAhead';

/** /images/json, as Docker 20.10 and Podman 4 answer it. */
export interface EngineImageSummary {
  Id: string;
  ParentId?: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  /** Unix seconds. */
  Created: number;
  Size: number;
  VirtualSize?: number;
  SharedSize?: number;
  Labels?: Record<string, string> | null;
  Containers?: number;
}

export interface EngineListOptions {
  all?: boolean;
  /** Docker's filters (dangling, label, before, since, reference), applied by the engine itself. */
  filters?: ReadonlyMap<string, readonly string[]>;
  signal?: AbortSignal;
}

export async function listEngineImages(client: EngineClient, options: EngineListOptions = {}): Promise<EngineImageSummary[]> {
  const filters = options.filters && options.filters.size > 0 ? filtersJson(options.filters) : undefined;
  const images = await client.json<EngineImageSummary[] | null>({
    path: '/images/json',
    query: { all: options.all ? '1' : undefined, filters },
    signal: options.signal,
  });
  return images ?? [];
}

/** /images/{name}/json: Docker's inspect document, or undefined when the engine has no such image. */
export async function inspectEngineImage(client: EngineClient, name: string, signal?: AbortSignal): Promise<Record<string, unknown> | undefined> {
  try {
    return await client.json<Record<string, unknown>>({ path: `/images/${encodeURIComponent(name)}/json`, signal });
  } catch (err) {
    if (err instanceof StevedoreError && err.code === 'IMAGE_NOT_FOUND') return undefined;
    throw err;
  }
}

export interface EngineHistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export function engineImageHistory(client: EngineClient, name: string, signal?: AbortSignal): Promise<EngineHistoryItem[]> {
  return client.json<EngineHistoryItem[]>({ path: `/images/${encodeURIComponent(name)}/history`, signal });
}

/** Tags `source` (a name or ID the engine knows) as `target` (a full reference with a tag). */
export async function tagEngineImage(client: EngineClient, source: string, target: { repository: string; tag: string }, signal?: AbortSignal): Promise<void> {
  const response = await client.request({
    method: 'POST',
    path: `/images/${encodeURIComponent(source)}/tag`,
    query: { repo: target.repository, tag: target.tag },
    signal,
  });
  await drain(response.body);
}

export interface EngineDeleteItem {
  Untagged?: string;
  Deleted?: string;
}

export function removeEngineImage(client: EngineClient, name: string, options: { force?: boolean; noPrune?: boolean; signal?: AbortSignal } = {}): Promise<EngineDeleteItem[]> {
  return client.json<EngineDeleteItem[]>({
    method: 'DELETE',
    path: `/images/${encodeURIComponent(name)}`,
    query: { force: options.force ? '1' : undefined, noprune: options.noPrune ? '1' : undefined },
    signal: options.signal,
  });
}

export interface EnginePruneReport {
  ImagesDeleted: EngineDeleteItem[] | null;
  SpaceReclaimed: number;
}

export function pruneEngineImages(client: EngineClient, filters: ReadonlyMap<string, readonly string[]>, signal?: AbortSignal): Promise<EnginePruneReport> {
  return client.json<EnginePruneReport>({ method: 'POST', path: '/images/prune', query: { filters: filtersJson(filters) }, signal });
}

/**
 * /images/get: a `docker save` archive of the named images, as a stream of bytes. `reusePieces`: the
 * consumer is done with each chunk once it asks for the next, so its memory may be read into again.
 */
export async function* exportEngineImages(client: EngineClient, names: readonly string[], signal?: AbortSignal, options: { reusePieces?: boolean } = {}): AsyncGenerator<Uint8Array> {
  const streamed = await client.streamedGet({ path: '/images/get', query: { names: [...names] }, ...(signal ? { signal } : {}), ...(options.reusePieces ? { reusePieces: true } : {}) });
  if (streamed) {
    yield* streamed;
    return;
  }
  const response = await client.request({ path: '/images/get', query: { names: [...names] }, signal });
  yield* readAhead(response.body);
}

export interface EngineLoadResult {
  /** What the engine said it loaded: "Loaded image: x:y" / "Loaded image ID: sha256:…". */
  messages: string[];
}

/** /images/load fed by `archive`; the engine's progress stream is read for its result or error. */
export async function loadEngineImages(client: EngineClient, archive: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<EngineLoadResult> {
  const response = await client.request({
    method: 'POST',
    path: '/images/load',
    query: { quiet: '1' },
    headers: { 'content-type': 'application/x-tar' },
    body: archive,
    signal,
  });
  const messages: string[] = [];
  let pending = '';
  const take = (line: string): void => {
    if (!line.trim()) return;
    let item: { stream?: string; error?: string; errorDetail?: { message?: string } };
    try {
      item = JSON.parse(line) as typeof item;
    } catch {
      messages.push(line.trim());
      return;
    }
    const error = item.errorDetail?.message ?? item.error;
    if (error) throw new StevedoreError('ENGINE_ERROR', `${client.describe()} could not load the image: ${error}`);
    if (item.stream?.trim()) messages.push(item.stream.trim());
  };
  for await (const chunk of response.body) {
    pending += Buffer.from(chunk).toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      take(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
  take(pending);
  throwIfAborted(signal);
  return { messages };
}

/** Docker's filter encoding: {"key": {"value": true}}. */
function filtersJson(filters: ReadonlyMap<string, readonly string[]>): string {
  const out: Record<string, Record<string, boolean>> = {};
  for (const [key, values] of filters) {
    const set: Record<string, boolean> = {};
    for (const v of values) set[v] = true;
    out[key] = set;
  }
  return JSON.stringify(out);
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of body) void chunk;
}
