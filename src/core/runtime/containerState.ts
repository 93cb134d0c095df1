// What a container is doing now, as `ps` and the Containers view show it: a record that says
// running (or being made) whose owning process is gone was left by a killed `run`: dead.

import { isProcessAlive } from '../store/processes';
import type { ContainerRecord } from './containerRecord';

export type ContainerState = 'created' | 'running' | 'exited' | 'dead';

export function containerState(c: ContainerRecord): ContainerState {
  if (c.State.Status === 'running' || c.State.Status === 'creating') {
    if (c.State.OwnerPid === undefined || !isProcessAlive(c.State.OwnerPid)) return 'dead';
  }
  return c.State.Status === 'creating' ? 'created' : c.State.Status;
}
