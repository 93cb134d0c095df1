// The rows under an engine's source row in the Images view: its images (one per repository:tag,
// or the short ID for an untagged one), and message rows when it cannot be reached or is empty.

import type { EngineKind } from '../../core/engine/engineEndpoint';
import type { EngineImageSummary } from '../../core/engine/engineImages';

export interface EngineImageNode {
  kind: 'engineImage';
  id: string;
  /** The source it is listed under: "docker", "podman", or an added endpoint's name. */
  source: string;
  /** Which API it speaks, for the context menus (Copy to Docker is not offered on Docker's images). */
  engine: EngineKind;
  /** What to call the image when talking to the engine: repository:tag, or its ID. */
  name: string;
  /** The familiar repository:tag, or undefined when untagged. */
  tag?: string;
  image: EngineImageSummary;
}

export interface EngineMessageNode {
  kind: 'engineMessage';
  id: string;
  source: string;
  engine: EngineKind;
  message: string;
  /** The row is the engine's Retry (it could not be reached). */
  retry: boolean;
}

export type EngineChildNode = EngineImageNode | EngineMessageNode;
