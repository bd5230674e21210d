#!/usr/bin/env bash
# The bash completion script (`ratenet completion`) against the command line it
# describes: every subcommand and every flag `--help` shows is offered, --set
# offers the keys docs/config.md documents and every model parameter, config
# positionals complete *.toml files, file positionals ratenet's files.
#   bash tests/completion_check.sh path/to/ratenet SOURCE_DIR
set -u
bin=$1
src=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

script=$("$bin" completion bash) || { echo "FAIL: ratenet completion bash exited $?"; exit 1; }
# shellcheck disable=SC1090
source <(printf '%s\n' "$script") || { echo "FAIL: the script does not source"; exit 1; }
complete -p ratenet | grep -q -- '-F _ratenet ratenet' || fail "complete -p ratenet: $(complete -p ratenet)"

# COMPREPLY for the command line given word by word (the last word is being typed).
comp() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$*"
  COMPREPLY=()
  _ratenet
  printf '%s\n' "${COMPREPLY[@]}"
}
offered() {  # offered WORD "LIST" CONTEXT
  grep -qxF -- "$1" <<<"$2" || fail "$3: $1 not offered (got: $(tr '\n' ' ' <<<"$2"))"
}

subs=$("$bin" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ "$(wc -w <<<"$subs")" -ge 10 ] || fail "ratenet --help lists only: $subs"
got=$(comp ratenet "")
for s in $subs; do offered "$s" "$got" "ratenet <TAB>"; done
offered --version "$got" "ratenet <TAB>"
[ "$(comp ratenet si)" = simulate ] || fail "ratenet si<TAB> gives '$(comp ratenet si)', not simulate"
[ -z "$(comp ratenet nosuch "")" ] || fail "an unknown command completes: $(comp ratenet nosuch "")"

nflags=0
for s in $subs; do
  got=$(comp ratenet "$s" -)
  for f in $("$bin" "$s" --help | sed -n '/^Options:/,$p' | grep -oE '^ +-[^ ]+' | tr ',' '\n' | sed 's/^ *//;s/=.*//'); do
    offered "$f" "$got" "ratenet $s -<TAB>"
    nflags=$((nflags + 1))
  done
  # Options come after the command: nothing from another command's list.
  for f in $got; do
    "$bin" "$s" --help | grep -qE -- "(^| |,)$f([ ,=]|$)" || fail "ratenet $s -<TAB> offers $f, which $s --help does not show"
  done
done
[ "$nflags" -ge 40 ] || fail "only $nflags flags seen in the subcommands' --help"

# --set: every key of the documented tables of docs/config.md, and every model's parameters.
keys=$(comp ratenet simulate --set "")
ndoc=0
for section in simulate lyapunov chaos seeds permitted fixed_points autocorrelation; do
  for k in $(sed -n "/^## \[$section\]/,/^## /p" "$src/docs/config.md" | grep -oE '^\| `[a-z_]+`' | grep -oE '[a-z_]+'); do
    offered "$section.$k=" "$keys" "ratenet simulate --set <TAB> ([$section] in docs/config.md)"
    ndoc=$((ndoc + 1))
  done
done
[ "$ndoc" -ge 30 ] || fail "only $ndoc keys read from docs/config.md"
for k in $("$bin" models | grep -oE '^    model\.[A-Za-z_0-9]+'); do offered "$k=" "$keys" "--set <TAB> (ratenet models)"; done
offered "output.path=" "$keys" "--set <TAB>"
got=$(comp ratenet lyapunov --set lyapunov.t_)
[ -n "$got" ] && ! grep -qv '^lyapunov\.t_' <<<"$got" || fail "--set lyapunov.t_<TAB> gives: $got"

# Files: a config positional offers TOML files and directories, a file positional ratenet's files.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" && touch a.toml b.h5 c.h5.part d.txt && mkdir sub
got=$(comp ratenet simulate "")
offered a.toml "$got" "ratenet simulate <TAB>"
offered sub "$got" "ratenet simulate <TAB>"
grep -qx b.h5 <<<"$got" && fail "ratenet simulate <TAB> offers b.h5"
grep -qx d.txt <<<"$got" && fail "ratenet simulate <TAB> offers d.txt"
got=$(comp ratenet info "")
offered b.h5 "$got" "ratenet info <TAB>"
offered c.h5.part "$got" "ratenet info <TAB>"
grep -qx a.toml <<<"$got" && fail "ratenet info <TAB> offers a.toml"
got=$(comp ratenet simulate a.toml -o "")
offered d.txt "$got" "ratenet simulate a.toml -o <TAB> (any file)"

if [ "$fails" -gt 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "completion: $(wc -w <<<"$subs") commands, $nflags flags, $ndoc documented keys checked"
