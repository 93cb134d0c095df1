// The sources the Images view shows as its top-level rows: the Stevedore store, Docker and Podman
// as their own CLIs find them, and the engines the user added (`stevedore.engines.endpoints`),
// less the ones `stevedore.sources.hidden` names. Plain data, so it is tested without VS Code.

import type { EngineKind } from '../../core/engine/engineEndpoint';
import type { StevedoreSettings } from '../settings';

/** An engine the user added (`stevedore.engines.endpoints`): a host, or a Docker context by name. */
export interface EngineEndpointSetting {
  /** What the Images view calls it; unique, and what `sources.hidden` names to hide it. */
  name: string;
  kind: 'docker' | 'podman';
  /** unix://…, tcp://…, npipe://…; or */
  host?: string;
  /** a Docker context (`docker context ls`), whose TLS files come with it. */
  context?: string;
}

export interface StoreSource {
  kind: 'store';
  id: 'store';
  label: string;
}

export interface EngineSource {
  kind: EngineKind;
  /** "docker", "podman", or the name of an added endpoint. */
  id: string;
  label: string;
  /** Set for an added endpoint: where it is. */
  endpoint?: EngineEndpointSetting;
}

export type ImageSource = StoreSource | EngineSource;

export const STORE_SOURCE: StoreSource = { kind: 'store', id: 'store', label: 'Stevedore store' };
export const DOCKER_SOURCE: EngineSource = { kind: 'docker', id: 'docker', label: 'Docker' };
export const PODMAN_SOURCE: EngineSource = { kind: 'podman', id: 'podman', label: 'Podman' };

/** Every source the settings know of, hidden ones included, in the order the view shows them. */
export function allSources(settings: Pick<StevedoreSettings, 'engineEndpoints'>): ImageSource[] {
  return [STORE_SOURCE, DOCKER_SOURCE, PODMAN_SOURCE, ...settings.engineEndpoints.map((e): EngineSource => ({ kind: e.kind, id: e.name, label: e.name, endpoint: e }))];
}

export function visibleSources(settings: Pick<StevedoreSettings, 'engineEndpoints' | 'hiddenSources'>): ImageSource[] {
  const hidden = new Set(settings.hiddenSources);
  return allSources(settings).filter((s) => !hidden.has(s.id));
}

export function engineSource(settings: Pick<StevedoreSettings, 'engineEndpoints'>, id: string): EngineSource | undefined {
  return allSources(settings).find((s): s is EngineSource => s.kind !== 'store' && s.id === id);
}

/** What messages call an engine: "Docker", "Podman", or an added endpoint's name. */
export function engineLabel(id: string): string {
  return id === 'podman' ? 'Podman' : id === 'docker' ? 'Docker' : id;
}

/** The setting's entries that can be used: each names a host or a context and a name no other source has. */
export function parseEngineEndpoints(value: unknown): EngineEndpointSetting[] {
  if (!Array.isArray(value)) return [];
  const out: EngineEndpointSetting[] = [];
  for (const entry of value) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const text = (key: string): string => (typeof e[key] === 'string' ? (e[key] as string).trim() : '');
    const host = text('host');
    const context = text('context');
    // The built-in sources keep their names; an entry without a place to go is left out.
    const name = text('name') || host || context;
    if (!name || (!host && !context) || ['store', 'docker', 'podman'].includes(name) || out.some((o) => o.name === name)) continue;
    out.push({ name, kind: text('kind') === 'podman' ? 'podman' : 'docker', ...(host ? { host } : { context }) });
  }
  return out;
}
