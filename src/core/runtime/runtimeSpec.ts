// The OCI runtime spec (config.json) for a container, as Docker's daemon writes it for runc: the
// default capability set, the usual /proc /dev /dev/pts /dev/shm /dev/mqueue /sys mounts, the
// container's /etc/hosts, /etc/hostname and /etc/resolv.conf bind-mounted, masked and read-only
// kernel paths, new pid/ipc/uts/mount namespaces and a network namespace only for --network none
// (there is no bridge to offer, so the default is the host's network). No rlimits: a runtime that
// tries to set one the host cannot grant fails (crun's "setrlimit RLIMIT_NOFILE").

import type { ExecUser } from './containerUser';

/** moby's oci/caps/defaults.go. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Bind {
  source: string;
  destination: string;
  readonly: boolean;
}

export interface SpecRequest {
  args: string[];
  env: string[];
  cwd: string;
  user: ExecUser;
  hostname: string;
  terminal: boolean;
  /** The terminal's size when it is known up front: the console has it from the start (no 0x0 moment). */
  consoleSize?: { columns: number; rows: number };
  network: 'host' | 'none';
  /** Host paths of the files mounted over the container's /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  hostsFile: string;
  hostnameFile: string;
  resolvConfFile: string;
  binds: readonly Bind[];
  /** Run from a user namespace (userNamespace.ts): sysfs can then be mounted only in a network namespace of its own. */
  rootless?: boolean;
}

/** Docker's environment: PATH and HOSTNAME first, TERM with a terminal, then the container's, then HOME. */
export function containerEnv(configEnv: readonly string[], hostname: string, terminal: boolean, home: string): string[] {
  const env: string[] = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`];
  if (terminal) env.push('TERM=xterm');
  for (const entry of configEnv) {
    const key = entry.includes('=') ? entry.slice(0, entry.indexOf('=')) : entry;
    const at = env.findIndex((e) => e.startsWith(`${key}=`));
    if (at >= 0) env[at] = entry;
    else env.push(entry);
  }
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${home}`);
  return env;
}

export function runtimeSpec(request: SpecRequest): Record<string, unknown> {
  const caps = DEFAULT_CAPABILITIES;
  const bindOptions = (ro: boolean): string[] => ['rbind', 'rprivate', ...(ro ? ['ro'] : [])];
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (request.network === 'none') namespaces.push({ type: 'network' });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: request.terminal,
      ...(request.terminal && request.consoleSize ? { consoleSize: { height: request.consoleSize.rows, width: request.consoleSize.columns } } : {}),
      user: { uid: request.user.uid, gid: request.user.gid, ...(request.user.additionalGids.length ? { additionalGids: request.user.additionalGids } : {}) },
      args: request.args,
      env: request.env,
      cwd: request.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: request.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      // In a user namespace the kernel allows a new sysfs only with a network namespace of that user
      // namespace; with the host's network the host's /sys is bound read-only instead, as podman does.
      request.rootless && request.network === 'host'
        ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
        : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/etc/resolv.conf', type: 'bind', source: request.resolvConfFile, options: bindOptions(false) },
      { destination: '/etc/hostname', type: 'bind', source: request.hostnameFile, options: bindOptions(false) },
      { destination: '/etc/hosts', type: 'bind', source: request.hostsFile, options: bindOptions(false) },
      ...request.binds.map((b) => ({ destination: b.destination, type: 'bind', source: b.source, options: bindOptions(b.readonly) })),
    ],
    linux: {
      namespaces,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths: ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}
