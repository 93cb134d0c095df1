// A Dockerfile's stages as the classic builder reads them: the ARGs before the first FROM (visible
// to FROM lines only), then one stage per FROM with its optional `AS name` (names are compared in
// lower case, as Docker does), and `--target` cutting the list after the named stage. Every stage
// up to the target is built in order, even one the target does not use, as `docker build` without
// BuildKit does; only the last one becomes an image.

import { StevedoreError } from '../errors';
import type { Instruction } from './dockerfile';

export interface Stage {
  /** 0-based, what `COPY --from=0` names. */
  index: number;
  /** Lower case; absent without `AS name`. */
  name?: string;
  from: Instruction;
  /** The instructions after FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface StagedDockerfile {
  /** ARGs before the first FROM. */
  metaArgs: Instruction[];
  stages: Stage[];
}

export function splitStages(instructions: readonly Instruction[], target?: string): StagedDockerfile {
  const first = instructions.findIndex((i) => i.keyword === 'FROM');
  if (first < 0) throw new StevedoreError('INVALID_ARGUMENT', 'The Dockerfile has no FROM instruction: the first instruction after ARGs must be FROM (FROM scratch for an empty base).');
  const metaArgs = instructions.slice(0, first);
  for (const instruction of metaArgs) {
    if (instruction.keyword !== 'ARG') throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: ${instruction.original}: only ARG may come before FROM.`);
  }
  const stages: Stage[] = [];
  for (const instruction of instructions.slice(first)) {
    if (instruction.keyword !== 'FROM') {
      stages.at(-1)!.instructions.push(instruction);
      continue;
    }
    const name = stageName(instruction);
    if (name !== undefined && stages.some((s) => s.name === name)) {
      throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: duplicate name "${name}": each FROM … AS name must name a different stage.`);
    }
    stages.push({ index: stages.length, ...(name !== undefined ? { name } : {}), from: instruction, instructions: [] });
  }
  if (target === undefined || target === '') return { metaArgs, stages };
  const wanted = target.toLowerCase();
  const at = stages.findIndex((s) => s.name === wanted);
  if (at < 0) {
    const named = stages.flatMap((s) => (s.name ? [s.name] : []));
    throw new StevedoreError('INVALID_ARGUMENT', `target stage "${target}" could not be found; ${named.length ? `the Dockerfile names ${named.map((n) => `"${n}"`).join(', ')}` : 'no stage has a name (FROM image AS name)'}.`);
  }
  return { metaArgs, stages: stages.slice(0, at + 1) };
}

/** `FROM image AS name` → "name"; BuildKit's rules: letters, digits, `-`, `_`, `.`, starting with a letter. */
function stageName(from: Instruction): string | undefined {
  const words = from.args.split(/\s+/).filter(Boolean);
  if (words.length === 1) return undefined;
  if (words.length !== 3 || words[1]!.toLowerCase() !== 'as') {
    throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${from.line}: FROM takes an image and optionally "AS name" (got "${from.args}").`);
  }
  const name = words[2]!.toLowerCase();
  if (!/^[a-z][a-z0-9-_.]*$/.test(name)) {
    throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${from.line}: invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols.`);
  }
  return name;
}

/**
 * What `COPY --from=X` or `FROM X` names among the stages built before `current`: a stage name, or
 * (for --from only) a stage's index; undefined when X is an image.
 */
export function earlierStage(stages: readonly Stage[], current: number, ref: string, allowIndex: boolean, line: number): Stage | undefined {
  if (allowIndex && /^\d+$/.test(ref)) {
    const index = Number(ref);
    if (index >= current) throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${line}: --from=${ref} names stage ${index}, which is not built before this one; a stage can copy from earlier stages only.`);
    return stages[index];
  }
  const lower = ref.toLowerCase();
  return stages.slice(0, current).find((s) => s.name === lower);
}
