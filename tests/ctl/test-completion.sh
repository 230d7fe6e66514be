#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The bash completion of sluicectl (shell-completion/bash/sluicectl), driven
# as bash drives it: COMP_LINE, COMP_POINT, COMP_WORDS split at
# COMP_WORDBREAKS and COMP_CWORD set, _sluicectl called, COMPREPLY read.
# Against the real sluiced on a private dbus-daemon, with the real
# sluicectl first in PATH (the completion runs "sluicectl __complete").
#
# What it proves:
#  - every command and option the binary knows (its --help, and every long
#    option of the option tables in src/ctl) is offered;
#  - live names come from the sluiced the command line names
#    (--bus-address=): classes, job ids (all / queued and running), schedule
#    names, pause scopes (class:, resource:, the paused ones);
#  - option values (--class=, --state=), config keys, run's command;
#  - with no sluiced there, nothing is offered and nothing printed.
#
# The fish completion is driven by fish itself (complete -C), the zsh one
# by an interactive zsh in a pseudo-terminal (zsh-complete.zsh), against the
# same sluiced.
#
# Usage: test-completion.sh SLUICED SLUICECTL SHELL_COMPLETION_DIR SRC_CTL_DIR
set -euo pipefail

sluiced=$1
sluicectl=$2
completion=$3/bash/sluicectl
fish_completion=$3/fish/sluicectl.fish
zsh_completion=$3/zsh/_sluicectl
src_ctl=$4

work=$(mktemp -d)
cleanup() {
        [[ -n ${daemon_pid:-} ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
        [[ -n ${bus_pid:-} ]] && kill "$bus_pid" 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT

failures=0
fail() {
        echo "FAIL: $*" >&2
        failures=$((failures + 1))
}

mkdir "$work/bin"
ln -s "$(realpath "$sluicectl")" "$work/bin/sluicectl"
export PATH="$work/bin:$PATH"
unset SLUICECTL
export LC_ALL=C

# shellcheck source=/dev/null
source "$completion"
declare -F _sluicectl >/dev/null || { echo "FAIL: $completion defines no _sluicectl" >&2; exit 1; }
[[ $(complete -p sluicectl) == *"-F _sluicectl"* ]] || fail "complete -F _sluicectl sluicectl not registered"

# Split LINE (cursor at its end) into COMP_WORDS as bash does: at blanks,
# and at each run of the COMP_WORDBREAKS characters "=" and ":" (bash's
# default COMP_WORDBREAKS holds both).  The lines below use no quotes.
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
split_like_bash() {
        local line=$1 i c word= breaks=
        COMP_WORDS=()
        for ((i = 0; i < ${#line}; i++)); do
                c=${line:i:1}
                if [[ $c == " " ]]; then
                        [[ -n $word ]] && COMP_WORDS+=("$word")
                        word=
                elif [[ $c == [=:] ]]; then
                        if [[ -n $word && $breaks == 0 ]]; then
                                COMP_WORDS+=("$word")
                                word=
                        fi
                        word+=$c
                        breaks=1
                        continue
                else
                        if [[ -n $word && $breaks == 1 ]]; then
                                COMP_WORDS+=("$word")
                                word=
                        fi
                        word+=$c
                fi
                breaks=0
        done
        # The word at the cursor; "" after a blank.
        COMP_WORDS+=("$word")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
}

# complete LINE: what bash would offer at the end of LINE, sorted, one a line.
complete_line() {
        COMP_LINE=$1
        COMP_POINT=${#1}
        split_like_bash "$1"
        COMPREPLY=()
        _sluicectl sluicectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}" | sort -u | grep -v '^$' || true
}

# expect LINE WORD…: the completion of LINE is exactly WORD…
expect() {
        local line=$1 got want
        shift
        got=$(complete_line "$line")
        want=$(printf '%s\n' "$@" | sort -u | grep -v '^$' || true)
        [[ $got == "$want" ]] || fail "\"$line\": want [$(echo $want)], got [$(echo $got)]"
}

# expect_has LINE WORD…: the completion of LINE contains every WORD.
expect_has() {
        local line=$1 got w
        shift
        got=$(complete_line "$line")
        for w in "$@"; do
                grep -qxF -- "$w" <<<"$got" || fail "\"$line\": \"$w\" not offered (got: $(echo $got))"
        done
}

# ---- commands and options, from the binary and its option tables ----

help=$("$sluicectl" --help)
verbs=$(awk '/Commands:$/ { on = 1; next } /^[^ ]/ { on = 0 } on && /^  [a-z]/ { print $1 }' <<<"$help" | sort -u)
[[ $(wc -l <<<"$verbs") -ge 20 ]] || fail "could not read the commands from sluicectl --help"
# --help groups the commands by topic, as systemctl's does ("Job Commands:", …).
[[ $(grep -cE '^[A-Z][a-z]+ Commands:$' <<<"$help") -ge 4 ]] || fail "sluicectl --help does not group its commands by topic"
# shellcheck disable=SC2086
expect_has "sluicectl " $verbs
expect_has "sluicectl sta" status

global=$(awk '/^Options:/ { on = 1; next } /^[^ ]/ { on = 0 } on' <<<"$help" |
        grep -oE -- '(^|[ ,])-(-[a-z][a-z-]*|[a-zA-Z])' | tr -d ' ,' | sort -u)
for o in $global; do
        got=$(complete_line "sluicectl $o")
        grep -qE -- "^$o=?\$" <<<"$got" || fail "global option $o not offered (got: $(echo $got))"
done

# Each command's options as its --help line names them ("list … (--state=, --class=, …)").
job_options=$(awk '/^Job options/ { on = 1; next } /^[^ ]/ { on = 0 } on' <<<"$help" |
        grep -oE -- '--[a-z][a-z-]*' | sort -u)
awk '/Commands:$/ { on = 1; next } /^[^ ]/ { on = 0 }
     on && /^  [a-z]/ { verb = $1 } on && verb { print verb " " $0 }' <<<"$help" |
while read -r verb rest; do
        for o in $(grep -oE -- '--[a-z][a-z-]*' <<<"$rest" | grep -vxF -- '--' || true); do
                echo "$verb $o"
        done
done | sort -u >"$work/verb-options"
for verb in submit acquire run; do
        for o in $job_options; do echo "$verb $o"; done
done >>"$work/verb-options"
[[ -s $work/verb-options ]] || fail "could not read the commands' options from sluicectl --help"
while read -r verb o; do
        got=$(complete_line "sluicectl $verb $o")
        grep -qE -- "^$o=?\$" <<<"$got" || fail "\"sluicectl $verb\": $o not offered (got: $(echo $got))"
done <"$work/verb-options"

# Every long option of every option table in src/ctl is offered somewhere.
all_offered=$( (complete_line "sluicectl -"; for v in $verbs; do complete_line "sluicectl $v -"; done) |
        sed 's/=$//' | sort -u)
table_options=$(cat "$src_ctl"/*.c "$src_ctl"/*.h |
        grep -oE '\{ *"[a-z][a-z-]*", *(no|required|optional)_argument' |
        sed -E 's/\{ *"([a-z-]+)".*/--\1/' | sort -u)
[[ -n $table_options ]] || fail "no option tables found in $src_ctl"
for o in $table_options; do
        grep -qxF -- "$o" <<<"$all_offered" || fail "option $o (src/ctl option table) never offered"
done

# The hidden verb never shows up.
expect_has "sluicectl " status
complete_line "sluicectl " | grep -q '^__' && fail "the hidden verb __complete is offered"

# ---- live names from a real sluiced on a private bus ----

dbus-daemon --session --nofork --print-address=3 --print-pid=4 3>"$work/address" 4>"$work/pid" &
bus_pid=$!
until [[ -s $work/address ]]; do sleep 0.05; done
address=$(head -n1 "$work/address")

cat >"$work/sluiced.conf" <<'EOF'
[Class backup]
Kind=lease
Parameter.store=[a-z]+
Resources=datastore:%{store}

[Class serial]
Kind=lease
MaxRunning=1

[Class gc]
Kind=command
ExecStart=/bin/true

[Resource datastore:*]
MaxRunning=2

[Resource disk:sdb]
MaxRunning=1

[Schedule nightly]
Class=serial
OnCalendar=*-*-* 02:00
EOF

ctl() { "$sluicectl" --bus-address="$address" "$@"; }

# No sluiced yet: nothing offered, nothing printed, no sluiced started.
out=$(complete_line "sluicectl --bus-address=$address submit " 2>&1)
[[ -z $out ]] || fail "without sluiced: want nothing, got [$out]"

"$sluiced" --bus-address="$address" --config="$work/sluiced.conf" --state-dir="$work" 2>"$work/sluiced.log" &
daemon_pid=$!
until ctl status >/dev/null 2>&1; do
        kill -0 "$daemon_pid" || { cat "$work/sluiced.log" >&2; exit 1; }
        sleep 0.05
done

running=$(ctl acquire --ttl=600 backup store=a)
done_job=$(ctl acquire --ttl=600 serial)
ctl release "$done_job" success
ctl pause class:gc

at="sluicectl --bus-address=$address"
expect "$at submit " backup gc serial
expect "$at acquire se" serial
expect "$at list --class=" backup gc serial
expect "$at list --class=b" backup
expect "$at history --state=r" running
expect "$at show " "$running" "$done_job"
expect "$at logs " "$running" "$done_job"
expect "$at cancel " "$running"
expect "$at release " "$running"
expect "$at release $running " success failed cancelled
expect "$at set-priority " "$running"
expect "$at trigger " nightly
# resource: a configured one and one a running job holds ("datastore:*" is no scope).
expect "$at pause " class:backup class:gc class:serial resource:datastore:a resource:disk:sdb
# bash replaces only the text after the last ":": the answer is cut there.
expect "$at pause class:s" serial
expect "$at pause resource:datastore:" a
expect "$at resume " class:gc
expect "$at acquire --resource=" datastore:a disk:sdb
expect "$at config " set show unset
expect "$at config show " Scheduler Class Resource Schedule Alert
expect "$at config unset Scheduler MaxRunn" MaxRunning MaxRunningPerUser
expect "$at config set Scheduler MaxRunn" MaxRunning= MaxRunningPerUser=
expect_has "$at config set Class MaxW" MaxWaitSec=
expect_has "$at config set Class Param" Parameter.
expect_has "$at run --class=backup -- ech" echo
# Options before the verb and "--class VALUE" with a blank do not count as arguments.
expect "$at --no-ask-password show --json " "$running" "$done_job"
expect "$at release --help $running " success failed cancelled

# Names come from the bus on the command line: another address, no names.
expect "sluicectl --bus-address=unix:path=$work/nothing-here submit "

# ---- fish and zsh, driven by the shells themselves ----

fish_complete() {
        fish --no-config -c "source $(printf '%q' "$fish_completion"); complete -C$(printf '%q' "$1")" |
                cut -f1 | sort -u
}
fish_expect() {
        local line=$1 got want
        shift
        got=$(fish_complete "$line")
        want=$(printf '%s\n' "$@" | sort -u)
        [[ $got == "$want" ]] || fail "fish: \"$line\": want [$(echo $want)], got [$(echo $got)]"
}
fish_expect "$at submit " backup gc serial
fish_expect "$at cancel " "$running"
fish_expect "$at trigger " nightly
fish_expect "$at resume " class:gc
got=$(fish_complete "sluicectl ")
for v in $verbs; do
        grep -qxF "$v" <<<"$got" || fail "fish: command $v not offered"
done

# zsh: an interactive zsh in a pseudo-terminal gets the line and a TAB (zsh-complete.zsh).
zsh_complete() {
        zsh -f "$(dirname "$0")/zsh-complete.zsh" "$(dirname "$zsh_completion")" "$1" | grep -v '^$' | sort -u
}
zsh_expect() {
        local line=$1 got want
        shift
        got=$(zsh_complete "$line")
        want=$(printf '%s\n' "$@" | sort -u)
        [[ $got == "$want" ]] || fail "zsh: \"$line\": want [$(echo $want)], got [$(echo $got)]"
}
zsh -n "$zsh_completion" || fail "zsh: $zsh_completion does not parse"
zsh_expect "$at submit " backup gc serial
zsh_expect "$at list --class=b" backup
zsh_expect "$at cancel " "$running"
zsh_expect "$at show " "$running" "$done_job"
zsh_expect "$at trigger " nightly
zsh_expect "$at resume " class:gc
zsh_expect "$at release $running " success failed cancelled
got=$(zsh_complete "sluicectl ")
for v in $verbs; do
        grep -qxF "$v" <<<"$got" || fail "zsh: command $v not offered"
done

if ((failures > 0)); then
        echo "$failures failure(s)" >&2
        exit 1
fi
echo "all completion checks passed"
