// The shell scripts `stevedore completion SHELL` prints. Each is a thin shim: it hands the words
// typed so far to `stevedore __complete` and shows what comes back (a `:files` answer means
// "complete file names"), so commands, flags and the store's image references come from the CLI.

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

const BASH = String.raw`# bash completion for stevedore. Load it in this shell with
#   source <(stevedore completion bash)
# or for every shell: stevedore completion bash > ~/.local/share/bash-completion/completions/stevedore
_stevedore() {
  local line="${'$'}{COMP_LINE:0:COMP_POINT}"
  local -a words
  read -r -a words <<< "$line"
  # A line that ends in a space starts a new, empty word.
  if [[ "$line" =~ [[:space:]]$ ]]; then words+=(""); fi
  local cur="${'$'}{words[${'$'}{#words[@]}-1]}"
  local IFS=$'\n'
  local -a out
  out=($(command stevedore __complete -- "${'$'}{words[@]:1}" 2>/dev/null))
  if [[ "${'$'}{out[0]}" == ":files" ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
    return 0
  fi
  COMPREPLY=("${'$'}{out[@]}")
  # bash splits words at ':' (COMP_WORDBREAKS): only what follows the last colon is replaced.
  if [[ "$cur" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
    local prefix="${'$'}{cur%"${'$'}{cur##*:}"}"
    COMPREPLY=("${'$'}{COMPREPLY[@]#"$prefix"}")
  fi
  return 0
}
complete -F _stevedore stevedore
`;

const ZSH = String.raw`#compdef stevedore
# zsh completion for stevedore. Load it in this shell with
#   source <(stevedore completion zsh)
# or for every shell: stevedore completion zsh > "${'$'}{fpath[1]}/_stevedore" (then restart zsh)
_stevedore() {
  local -a candidates
  candidates=("${'$'}{(@f)$(command stevedore __complete -- "${'$'}{(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ "${'$'}{candidates[1]}" == ":files" ]]; then
    _files
    return
  fi
  candidates=(${'$'}{candidates:#})
  compadd -Q -- "${'$'}{candidates[@]}"
}
if (( ${'$'}+functions[compdef] )); then
  compdef _stevedore stevedore
fi
`;

const FISH = String.raw`# fish completion for stevedore. Load it in this shell with
#   stevedore completion fish | source
# or for every shell: stevedore completion fish > ~/.config/fish/completions/stevedore.fish
function __stevedore_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    set -l out (command stevedore __complete -- $words $current 2>/dev/null)
    if test "$out[1]" = ":files"
        __fish_complete_path $current
        return
    end
    printf '%s\n' $out
end
complete -c stevedore -f -a '(__stevedore_complete)'
`;

export function completionScript(shell: CompletionShell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
