// The one list of CLI commands: the words that select each, its one-line summary, and where its
// code is. A command's module (and the core it pulls in) is loaded only when that command runs, so
// `stevedore images` never parses the registry client: start-up is most of what a quick command
// costs. To add a command: write commands/NAME.ts exporting a `Command`, and add an entry here.

import type { Command } from './command';
import { imagesEntry } from './imagesEntry';
import { pullEntry, pushEntry } from './registryEntries';

export interface CommandEntry {
  /** The words that select it: ["images"], ["image", "ls"], … The first is the canonical one. */
  names: string[][];
  /** One line, shown by `stevedore --help` and by its group (`stevedore image`). */
  summary: string;
  /** Left out of help and completion (internal helpers such as `__complete`). */
  hidden?: boolean;
  /**
   * Works on containers' files: run by a user other than root, it runs again inside a user
   * namespace with the user's subordinate ids (userNamespaceExec.ts), as podman does.
   */
  userNamespace?: boolean;
  /** What its arguments name, for shell completion: images in the store, or files. */
  completes?: 'images' | 'files';
  /**
   * Leaves nothing running when its run settles (connections closed, files written and closed):
   * the process exits as soon as the command is done and its output written (startCli.ts) instead
   * of when the event loop empties, which first runs whatever V8 and libuv have queued.
   */
  exitWhenDone?: boolean;
  load(): Promise<Command>;
}

/** Management commands: `stevedore image` alone lists the commands under it, as `docker image` does. */
export interface CommandGroup {
  name: string;
  summary: string;
}

export const commandGroups: readonly CommandGroup[] = [
  { name: 'builder', summary: 'Manage builds' },
  { name: 'container', summary: 'Manage containers' },
  { name: 'image', summary: 'Manage images' },
  { name: 'system', summary: 'Manage the image store' },
  { name: 'trust', summary: 'Show image signatures' },
];

export const commandTable: readonly CommandEntry[] = [
  imagesEntry,
  {
    names: [['tag'], ['image', 'tag']],
    summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
    completes: 'images',
    load: async () => (await import('./commands/tag')).tagCommand,
  },
  {
    names: [['rmi'], ['image', 'rm'], ['image', 'remove']],
    summary: 'Remove one or more images',
    completes: 'images',
    load: async () => (await import('./commands/rmi')).rmiCommand,
  },
  {
    names: [['image', 'prune']],
    summary: 'Remove unused images',
    load: async () => (await import('./commands/imagePrune')).imagePruneCommand,
  },
  {
    names: [['inspect'], ['image', 'inspect']],
    summary: 'Display detailed information on one or more images',
    completes: 'images',
    load: async () => (await import('./commands/inspect')).inspectCommand,
  },
  {
    names: [['history'], ['image', 'history']],
    summary: 'Show the history of an image',
    completes: 'images',
    load: async () => (await import('./commands/history')).historyCommand,
  },
  {
    names: [['layers'], ['image', 'layers']],
    summary: "Show an image's layers: digests, sizes and the files each adds, modifies and deletes",
    completes: 'images',
    load: async () => (await import('./commands/layers')).layersCommand,
  },
  {
    names: [['verify'], ['image', 'verify']],
    summary: "Recompute an image's manifest, config and layer digests (compressed and diffID) and compare them",
    completes: 'images',
    load: async () => (await import('./commands/verify')).verifyCommand,
  },
  {
    names: [['trust', 'show']],
    summary: 'List the signatures of an image or reference and whether each verifies under the signature policy',
    completes: 'images',
    load: async () => (await import('./commands/trustShow')).trustShowCommand,
  },
  {
    names: [['efficiency'], ['image', 'efficiency']],
    summary: "Score how efficiently an image's layers store its files (dive's score), and fail below a minimum",
    completes: 'images',
    load: async () => (await import('./commands/efficiency')).efficiencyCommand,
  },
  {
    names: [['import'], ['image', 'import']],
    summary: 'Import the contents from a tarball to create a filesystem image',
    completes: 'files',
    load: async () => (await import('./commands/import')).importCommand,
  },
  {
    names: [['system', 'check']],
    summary: 'Verify every blob in the image store and report missing, corrupt or leftover content',
    userNamespace: true,
    load: async () => (await import('./commands/systemCheck')).systemCheckCommand,
  },
  {
    names: [['system', 'df']],
    summary: 'Show the disk space the image store uses',
    load: async () => (await import('./commands/systemDf')).systemDfCommand,
  },
  {
    names: [['save'], ['image', 'save']],
    summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
    completes: 'images',
    load: async () => (await import('./commands/save')).saveCommand,
  },
  {
    names: [['load'], ['image', 'load']],
    summary: 'Load an image from a tar archive or STDIN',
    completes: 'files',
    load: async () => (await import('./commands/load')).loadCommand,
  },
  {
    names: [['commit'], ['append'], ['image', 'append']],
    summary: "Create a new image from a container's changes, or from a folder or tarball added as a layer on top of an image",
    completes: 'images',
    userNamespace: true,
    load: async () => (await import('./commands/commit')).commitCommand,
  },
  {
    names: [['copy'], ['image', 'copy']],
    summary: 'Copy an image between the store, Docker, Podman and archive files',
    load: async () => (await import('./commands/copy')).copyCommand,
  },
  {
    names: [['build'], ['image', 'build']],
    summary: 'Build an image from a Dockerfile',
    completes: 'files',
    userNamespace: true,
    load: async () => (await import('./commands/build')).buildCommand,
  },
  {
    names: [['builder', 'prune']],
    summary: 'Remove build cache',
    // Its garbage collection removes layer snapshots, whose files a rootless run made owned by subordinate ids.
    userNamespace: true,
    load: async () => (await import('./commands/builderPrune')).builderPruneCommand,
  },
  pullEntry,
  pushEntry,
  {
    names: [['login']],
    summary: 'Log in to a registry',
    load: async () => (await import('./commands/login')).loginCommand,
  },
  {
    names: [['logout']],
    summary: 'Log out from a registry',
    load: async () => (await import('./commands/logout')).logoutCommand,
  },
  {
    names: [['search']],
    summary: 'Search Docker Hub for images, or a private registry with REGISTRY/TERM',
    load: async () => (await import('./commands/search')).searchCommand,
  },
  {
    names: [['tags'], ['image', 'tags']],
    summary: "List the tags of a repository in a registry",
    load: async () => (await import('./commands/tags')).tagsCommand,
  },
  {
    names: [['run'], ['container', 'run']],
    summary: 'Create and run a new container from an image',
    completes: 'images',
    userNamespace: true,
    load: async () => (await import('./commands/run')).runCommand,
  },
  {
    names: [['ps'], ['container', 'ls'], ['container', 'list']],
    summary: 'List containers',
    load: async () => (await import('./commands/ps')).psCommand,
  },
  {
    names: [['start'], ['container', 'start']],
    summary: 'Start a stopped container',
    userNamespace: true,
    load: async () => (await import('./commands/start')).startCommand,
  },
  {
    names: [['rm'], ['container', 'rm']],
    summary: 'Remove one or more containers',
    userNamespace: true,
    load: async () => (await import('./commands/rm')).rmCommand,
  },
  {
    names: [['diff'], ['container', 'diff']],
    summary: "Inspect changes to files or directories on a container's filesystem",
    userNamespace: true,
    load: async () => (await import('./commands/diff')).diffCommand,
  },
  {
    names: [['completion']],
    summary: 'Print a shell completion script (bash, zsh or fish)',
    load: async () => (await import('./commands/completion')).completionCommand,
  },
  {
    names: [['__complete']],
    summary: 'Print the completions of a command line (used by the completion scripts)',
    hidden: true,
    load: async () => (await import('./commands/complete')).completeCommand,
  },
];
