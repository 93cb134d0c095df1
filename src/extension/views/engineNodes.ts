// The nodes of the Engines view: one per engine, its images (one per repository:tag, or the short
// ID for an untagged one), and a message row when the engine cannot be reached.

import type { EngineKind } from '../../core/engine/engineEndpoint';
import type { EngineImageSummary } from '../../core/engine/engineImages';

export interface EngineNode {
  kind: 'engine';
  id: string;
  engine: EngineKind;
}

export interface EngineImageNode {
  kind: 'engineImage';
  id: string;
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
  engine: EngineKind;
  message: string;
  /** Offer Retry: the engine was not reachable. */
  retry: boolean;
}

export type EnginesTreeNode = EngineNode | EngineImageNode | EngineMessageNode;
