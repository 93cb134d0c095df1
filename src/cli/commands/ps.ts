// `stevedore ps [-a] [-q]` — `docker ps` over the store's containers: running ones, or all with -a.

import { createdSince, humanDuration } from '../../core/format/humanDuration';
import { shortId } from '../../core/shortId';
import { ellipsis } from '../format/ellipsis';
import { formatList } from '../format/table';
import { containerCommand, listContainers, type ContainerRecord } from '../../core/runtime/containerRecord';
import { containerState } from '../../core/runtime/containerState';
import { boolFlag, stringFlag, type Command } from '../command';

export const psCommand: Command = {
  usage: 'stevedore ps [OPTIONS]',
  maxArgs: 0,
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Show all containers (default shows just running)' },
    { name: 'format', kind: 'string', valueName: 'string', description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template" },
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only display container IDs' },
  ],
  async run(ctx, _args, flags) {
    const store = await ctx.openStore();
    const all = boolFlag(flags, 'all');
    const noTrunc = boolFlag(flags, 'no-trunc');
    const now = ctx.now();
    const rows = (await listContainers(store.layout)).filter((c) => all || status(c, now).startsWith('Up')).map((c) => row(c, noTrunc, now));
    ctx.stdout.write(
      formatList({
        format: stringFlag(flags, 'format'),
        defaultTable: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
        rows,
        headers: { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', RunningFor: 'CREATED', CreatedAt: 'CREATED AT', Status: 'STATUS', Ports: 'PORTS', Names: 'NAMES', State: 'STATE' },
        quiet: boolFlag(flags, 'quiet'),
        quietTemplate: '{{.ID}}',
      }),
    );
    return 0;
  },
};

function row(c: ContainerRecord, noTrunc: boolean, now: Date): Record<string, string> {
  const command = containerCommand(c.Config).join(' ');
  return {
    Command: JSON.stringify(noTrunc ? command : ellipsis(command, 20)),
    CreatedAt: c.Created,
    ID: noTrunc ? c.Id : shortId(c.Id),
    Image: c.Image,
    Names: c.Name,
    Ports: '',
    RunningFor: createdSince(new Date(c.Created), now),
    State: containerState(c),
    Status: status(c, now),
  };
}

/** Docker's STATUS column. */
export function status(c: ContainerRecord, now: Date): string {
  switch (containerState(c)) {
    case 'running':
      return `Up ${humanDuration(now.getTime() - Date.parse(c.State.StartedAt ?? c.Created))}`;
    case 'exited':
      return `Exited (${c.State.ExitCode}) ${humanDuration(now.getTime() - Date.parse(c.State.FinishedAt ?? c.Created))} ago`;
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}
