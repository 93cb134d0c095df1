// Platforms as `os/arch[/variant]`, with the names Go and OCI use rather than Node's.

import { StevedoreError } from '../errors';
import type { ImageConfig, Platform } from './types';

const ARCH_FROM_NODE: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle' };

export function hostPlatform(): Platform {
  const architecture = ARCH_FROM_NODE[process.arch] ?? process.arch;
  const platform: Platform = { os: 'linux', architecture };
  if (architecture === 'arm64') platform.variant = 'v8';
  if (architecture === 'arm') platform.variant = 'v7';
  return platform;
}

export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw new StevedoreError('INVALID_ARGUMENT', `Invalid platform "${text}": use os/arch or os/arch/variant, for example linux/amd64 or linux/arm64/v8.`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  const normalised = normaliseArch(architecture, variant);
  const platform: Platform = { os, architecture: normalised.architecture };
  if (normalised.variant) platform.variant = normalised.variant;
  return platform;
}

function normaliseArch(architecture: string, variant: string | undefined): { architecture: string; variant?: string } {
  switch (architecture) {
    case 'x86_64':
    case 'x86-64':
      return { architecture: 'amd64', ...(variant ? { variant } : {}) };
    case 'aarch64':
      return { architecture: 'arm64', variant: variant ?? 'v8' };
    case 'arm64':
      return { architecture: 'arm64', variant: variant ?? 'v8' };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      return { architecture: 'arm', variant: variant ?? 'v7' };
    default:
      return { architecture, ...(variant ? { variant } : {}) };
  }
}

export function formatPlatform(p: Pick<Platform, 'os' | 'architecture' | 'variant'>): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Whether an index entry's platform satisfies the wanted one (variant defaults as containerd's matcher does). */
export function platformMatches(candidate: Platform | undefined, wanted: Platform): boolean {
  if (!candidate) return false;
  if (candidate.os !== wanted.os) return false;
  const a = normaliseArch(candidate.architecture, candidate.variant);
  const b = normaliseArch(wanted.architecture, wanted.variant);
  if (a.architecture !== b.architecture) return false;
  if (!b.variant || !a.variant) return true;
  return a.variant === b.variant;
}

/** The platform an image config describes, as a manifest descriptor names it. */
export function platformOf(config: ImageConfig): Platform {
  const platform: Platform = { architecture: config.architecture, os: config.os };
  if (config.variant) platform.variant = config.variant;
  if (config['os.version']) platform['os.version'] = config['os.version'];
  return platform;
}
