// Where `copy` reads an image from or writes it to, in skopeo's transport syntax so that people
// who know skopeo need nothing new:
//   stevedore:NAME or a bare NAME      the Stevedore store
//   docker-daemon:NAME                 the Docker engine (DOCKER_HOST, contexts, as the docker CLI)
//   podman:NAME                        Podman's API service (CONTAINER_HOST, its sockets)
//   docker-archive:PATH[:NAME]         a `docker save` archive
//   oci-archive:PATH[:NAME]            an OCI layout in a tar
// As in skopeo, the path of an archive ends at its first ":", and a transport prefix wins over a
// reference that happens to start with the same word (write stevedore:podman:4 for the store's image
// "podman:4").

import { StevedoreError } from '../errors';
import { formatReference, tryParseReference } from '../reference/reference';
import type { EngineKind } from '../engine/engineEndpoint';

/** A destination's `name` may be left out by callers (not the CLI): the image keeps the names it comes with. */
export type ImageLocation =
  | { kind: 'store'; name: string }
  // `endpoint` picks one of several engines of a kind for callers that know several (the extension's
  // added endpoints); their `engine` callback is given it.
  | { kind: 'engine'; engine: EngineKind; name: string; endpoint?: string }
  | { kind: 'archive'; format: 'docker-archive' | 'oci-archive'; path: string; name?: string };

const TRANSPORTS = ['stevedore', 'docker-daemon', 'podman', 'docker-archive', 'oci-archive'];

export function parseImageLocation(text: string): ImageLocation {
  const colon = text.indexOf(':');
  const transport = colon > 0 ? text.slice(0, colon) : '';
  const rest = text.slice(colon + 1);
  switch (transport) {
    case 'stevedore':
      return { kind: 'store', name: requireName(rest, text) };
    case 'docker-daemon':
      return { kind: 'engine', engine: 'docker', name: requireName(rest, text) };
    case 'podman':
      return { kind: 'engine', engine: 'podman', name: requireName(rest, text) };
    case 'docker-archive':
    case 'oci-archive': {
      const split = rest.indexOf(':');
      const path = split < 0 ? rest : rest.slice(0, split);
      const name = split < 0 ? undefined : rest.slice(split + 1);
      if (!path) throw new StevedoreError('INVALID_ARGUMENT', `"${text}" names no file: write ${transport}:PATH[:NAME].`);
      return { kind: 'archive', format: transport, path, ...(name ? { name: requireName(name, text) } : {}) };
    }
    case 'docker':
    case 'oci':
    case 'containers-storage':
    case 'dir':
      // "docker:24" and "oci:latest" are also references; only what cannot be one is a transport.
      if (transport === 'docker' ? !rest.startsWith('//') : tryParseReference(text)) return { kind: 'store', name: text };
      throw new StevedoreError(
        'UNSUPPORTED',
        `The ${transport}: transport is not supported by copy yet. ${transport === 'docker' ? 'Use `stevedore pull` and `stevedore push` for registries.' : `Supported: ${TRANSPORTS.join(':, ')}:.`}`,
      );
    default:
      // A bare reference ("busybox:1.36", "localhost:5000/app") is the store; its colon is a tag or port.
      if (tryParseReference(text)) return { kind: 'store', name: text };
      throw new StevedoreError('INVALID_ARGUMENT', `"${text}" is neither an image reference nor TRANSPORT:NAME (transports: ${TRANSPORTS.join(', ')}).`);
  }
}

function requireName(name: string, text: string): string {
  if (!name) throw new StevedoreError('INVALID_ARGUMENT', `"${text}" names no image.`);
  return name;
}

/** The full normalised reference of a name written for an image, or undefined for an image ID. */
export function fullReference(name: string): string | undefined {
  if (/^(sha256:)?[a-f0-9]{12,64}$/.test(name)) return undefined;
  const ref = tryParseReference(name);
  if (!ref) throw new StevedoreError('INVALID_REFERENCE', `"${name}" is not a valid image reference.`);
  return formatReference(ref);
}

export function describeLocation(location: ImageLocation): string {
  switch (location.kind) {
    case 'store':
      return `the Stevedore store (${location.name})`;
    case 'engine':
      return `${location.endpoint ?? (location.engine === 'podman' ? 'Podman' : 'Docker')} (${location.name})`;
    case 'archive':
      return `${location.path}${location.name ? ` (${location.name})` : ''}`;
  }
}
