#!/bin/zsh -f
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What zsh's completion offers for a command line, one match a line:
# an interactive zsh in a pseudo-terminal (zsh/zpty) with compinit and the
# completion directory first in fpath gets LINE and a TAB; a wrapper of
# compadd prints every match between markers; ^X ends the session.  The
# technique of Valodim's zsh-capture-completion.
#
# Usage: zsh-complete.zsh COMPLETION_DIR LINE
zmodload zsh/zpty || exit 1
setopt rcquotes
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath)"
zpty -w z 'autoload -U compinit; compinit -u -D'
zpty -w z 'PROMPT='
zpty -w z 'zstyle '':completion:*'' list-grouped false'
zpty -w z 'zstyle '':completion:*'' insert-tab false'
# The markers are split in the text typed, so that the echo of this line never matches.
zpty -w z 'comppre() { compadd () { local -a __hits __dscr; builtin compadd -A __hits -D __dscr "$@"; builtin compadd "$@"; (( $#__hits )) && print -n ''<MA''''TCHES>'' && print -rl -- $__hits && print -n ''</MA''''TCHES>''; return 0; } }'
zpty -w z 'compprefuncs=( comppre )'
zpty -w z 'finish() { print ''<E''''ND>''; exit }'
zpty -w z 'zle -N finish'
zpty -w z 'bindkey ''^X'' finish'
zpty -w z "$2"$'\t\x18'
zpty -r z out '*<END>*'
zpty -d z
out=${out//$'\r'/}
out=${(S)out//$'\e'\[[0-9;?]#[a-zA-Z]/}
while [[ $out == *'<MATCHES>'*'</MATCHES>'* ]]; do
        out=${out#*<MATCHES>}
        print -r -- "${out%%</MATCHES>*}"
        out=${out#*</MATCHES>}
done
