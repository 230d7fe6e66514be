# SPDX-License-Identifier: LGPL-2.1-or-later
#
# assert.sh — assertions for system-test scenarios (sourced by run.sh into every
# scenario, next to container.sh). A failed assertion prints what was expected
# and what was seen, with the scenario line, and ends the scenario (exit 1).
# Waiting is always bounded (wait_until), never a timing threshold.

# _assert_where: file:line of the scenario line being run ($SCENARIO_FILE),
# else of the innermost caller outside this file.
_assert_where() {
	local i
	if [[ -n ${SCENARIO_FILE:-} ]]; then
		for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
			if [[ ${BASH_SOURCE[i]} == "$SCENARIO_FILE" ]]; then
				echo "${SCENARIO_FILE##*/}:${BASH_LINENO[i - 1]}"
				return 0
			fi
		done
	fi
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		if [[ ${BASH_SOURCE[i]} != "${BASH_SOURCE[0]}" ]]; then
			echo "${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}"
			return 0
		fi
	done
	echo "?"
}

# _assert_on_err STATUS COMMAND: the ERR trap of a scenario (set -eE): names
# the command that failed unexpectedly. Quiet inside $(...), whose status the
# scenario looks at itself.
_assert_on_err() {
	# Inside a trap a bare `return` returns the trapped status: always return 0.
	((BASH_SUBSHELL == 0)) || return 0
	_assert_err_where=$(_assert_where)
	echo "FAIL at $_assert_err_where: command failed (status $1): $2" >&2
	if [[ -n ${SCENARIO_FILE:-} && $_assert_err_where == "${SCENARIO_FILE##*/}":* ]]; then
		_assert_err_line=$(sed -n "${_assert_err_where##*:}p" "$SCENARIO_FILE")
		echo "  scenario line: ${_assert_err_line#"${_assert_err_line%%[![:space:]]*}"}" >&2
	fi
}

# fail MESSAGE...: end the scenario with a failure.
fail() {
	echo "FAIL at $(_assert_where): $*" >&2
	exit 1
}

# step MESSAGE...: say what the scenario checks next.
step() {
	echo "-- $*"
}

_assert_show() {
	# A value on one line stays on the line; a longer one goes below, indented.
	if [[ $2 == *$'\n'* ]]; then
		printf '  %s:\n%s\n' "$1" "$(sed 's/^/    | /' <<<"$2")" >&2
	else
		printf '  %s: %q\n' "$1" "$2" >&2
	fi
}

# assert_eq EXPECTED SEEN WHAT
assert_eq() {
	[[ $1 == "$2" ]] && return 0
	echo "FAIL at $(_assert_where): ${3:-values differ}" >&2
	_assert_show expected "$1"
	_assert_show seen "$2"
	exit 1
}

# assert_match EXTENDED-REGEX SEEN WHAT: SEEN matches the regex (bash =~).
assert_match() {
	[[ $2 =~ $1 ]] && return 0
	echo "FAIL at $(_assert_where): ${3:-no match}" >&2
	_assert_show "expected to match" "$1"
	_assert_show seen "$2"
	exit 1
}

# assert_contains NEEDLE HAYSTACK WHAT: HAYSTACK contains NEEDLE literally.
assert_contains() {
	[[ $2 == *"$1"* ]] && return 0
	echo "FAIL at $(_assert_where): ${3:-text missing}" >&2
	_assert_show "expected to contain" "$1"
	_assert_show seen "$2"
	exit 1
}

# assert_not_contains NEEDLE HAYSTACK WHAT
assert_not_contains() {
	[[ $2 != *"$1"* ]] && return 0
	echo "FAIL at $(_assert_where): ${3:-unexpected text}" >&2
	_assert_show "expected not to contain" "$1"
	_assert_show seen "$2"
	exit 1
}

# assert_status STATUS CMD...: run CMD, its exit status must be STATUS ("nonzero"
# accepts any failure). Its stdout+stderr are left in $OUTPUT and $STATUS.
assert_status() {
	local want=$1 ok=0
	shift
	STATUS=0
	OUTPUT=$("$@" 2>&1) || STATUS=$?
	case $want in
	nonzero) ((STATUS != 0)) && ok=1 ;;
	*) ((STATUS == want)) && ok=1 ;;
	esac
	((ok)) && return 0
	echo "FAIL at $(_assert_where): exit status of: $*" >&2
	_assert_show "expected status" "$want"
	_assert_show "seen status" "$STATUS"
	_assert_show output "$OUTPUT"
	exit 1
}

# wait_until BOUND_SECONDS CMD...: retry CMD (quietly) until it succeeds; fails
# the scenario, showing CMD's last output, when the bound passes first.
wait_until() {
	local bound=$1 deadline out=""
	shift
	deadline=$(($(date +%s) + bound))
	while :; do
		if out=$("$@" 2>&1); then
			return 0
		fi
		if (($(date +%s) >= deadline)); then
			echo "FAIL at $(_assert_where): still false after ${bound}s: $*" >&2
			_assert_show "last output" "$out"
			exit 1
		fi
		sleep 0.05
	done
}
