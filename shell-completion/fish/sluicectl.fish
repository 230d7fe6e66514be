# SPDX-License-Identifier: LGPL-2.1-or-later
# fish completion for sluicectl(1): commands, options, and live names from
# the running sluiced through the hidden "sluicectl __complete WHAT" (which
# never starts sluiced).

set -l __sluicectl_verbs status list history logs show submit acquire release renew run cancel \
    set-priority wait pause resume config reload watch schedules trigger calendar alerts cluster metrics

# Live names from the sluiced the command line talks to (--bus-address=, -H, -M).
function __sluicectl_names
    set -l conn
    set -l tokens (commandline -opc)
    for i in (seq 2 (count $tokens))
        switch $tokens[$i]
            case '--bus-address=*' '--host=*' '--machine=*'
                set -a conn $tokens[$i]
            case --bus-address --host --machine -H -M
                set -l next (math $i + 1)
                if test $next -le (count $tokens)
                    set -a conn $tokens[$i] $tokens[$next]
                end
        end
    end
    sluicectl $conn __complete $argv 2>/dev/null
end

complete -c sluicectl -f
complete -c sluicectl -n "not __fish_seen_subcommand_from $__sluicectl_verbs" -a "$__sluicectl_verbs"
complete -c sluicectl -n "not __fish_seen_subcommand_from $__sluicectl_verbs" -l bus-address -r -d 'Connect to this bus'
complete -c sluicectl -n "not __fish_seen_subcommand_from $__sluicectl_verbs" -s H -l host -r -d 'Operate on a remote host' -a '(__fish_print_hostnames)'
complete -c sluicectl -n "not __fish_seen_subcommand_from $__sluicectl_verbs" -s M -l machine -r -d 'Operate on a local container'
complete -c sluicectl -n "not __fish_seen_subcommand_from $__sluicectl_verbs" -l no-ask-password -d 'Do not ask for a password'
complete -c sluicectl -n "not __fish_seen_subcommand_from $__sluicectl_verbs" -l version -d 'Show the version'
complete -c sluicectl -s h -l help -d 'Show the help'
complete -c sluicectl -l json -d 'Print JSON'
complete -c sluicectl -n 'not __fish_seen_subcommand_from logs' -l no-pager -d 'Do not pipe output into a pager'
complete -c sluicectl -l no-legend -d 'Tables without header and footer'
complete -c sluicectl -s q -l quiet -d 'Only results: no header, footer or notices'
complete -c sluicectl -s l -l full -d 'Do not cut tables to the terminal width'

complete -c sluicectl -n '__fish_seen_subcommand_from list history' -l state -x -a 'queued running done'
complete -c sluicectl -n '__fish_seen_subcommand_from list history run' -l class -x -a '(__sluicectl_names classes)'
complete -c sluicectl -n '__fish_seen_subcommand_from list history' -l owner -x -a '(__fish_complete_users)'
complete -c sluicectl -n '__fish_seen_subcommand_from list history' -l limit -x
complete -c sluicectl -n '__fish_seen_subcommand_from history' -l since -x
complete -c sluicectl -n '__fish_seen_subcommand_from submit acquire run' -l priority -x
complete -c sluicectl -n '__fish_seen_subcommand_from submit acquire run' -l resource -x -a '(__sluicectl_names scopes | string replace -rf "^resource:" "")'
complete -c sluicectl -n '__fish_seen_subcommand_from submit acquire run' -l description -x
complete -c sluicectl -n '__fish_seen_subcommand_from submit acquire run' -l max-wait -x
complete -c sluicectl -n '__fish_seen_subcommand_from submit acquire run' -l not-before -x
complete -c sluicectl -n '__fish_seen_subcommand_from acquire run' -l timeout -x
complete -c sluicectl -n '__fish_seen_subcommand_from acquire' -l ttl -x
complete -c sluicectl -n '__fish_seen_subcommand_from wait' -l until -x -a 'started finished'
complete -c sluicectl -n '__fish_seen_subcommand_from config' -l persist
complete -c sluicectl -n '__fish_seen_subcommand_from calendar' -l iterations -x
complete -c sluicectl -n '__fish_seen_subcommand_from calendar' -l base-time -x
complete -c sluicectl -n '__fish_seen_subcommand_from metrics' -l format -x -a 'prometheus openmetrics'
complete -c sluicectl -n '__fish_seen_subcommand_from logs' -s f -l follow -d 'Follow until the job ends'
complete -c sluicectl -n '__fish_seen_subcommand_from logs' -s n -l lines -x -d 'The last N lines'
complete -c sluicectl -n '__fish_seen_subcommand_from logs' -s o -l output -x -d 'journalctl output mode' -a 'short short-full short-iso short-iso-precise short-precise short-monotonic short-unix with-unit verbose export json json-pretty json-sse json-seq cat'
complete -c sluicectl -n '__fish_seen_subcommand_from logs' -l since -x -d 'Entries at or after'
complete -c sluicectl -n '__fish_seen_subcommand_from logs' -l until -x -d 'Entries at or before'
complete -c sluicectl -n '__fish_seen_subcommand_from logs' -l no-pager -d 'Do not page'

complete -c sluicectl -n '__fish_seen_subcommand_from show logs wait' -a '(__sluicectl_names jobs)'
complete -c sluicectl -n '__fish_seen_subcommand_from cancel release renew set-priority' -a '(__sluicectl_names active-jobs)'
complete -c sluicectl -n '__fish_seen_subcommand_from submit acquire' -a '(__sluicectl_names classes)'
complete -c sluicectl -n '__fish_seen_subcommand_from pause' -a '(__sluicectl_names scopes)'
complete -c sluicectl -n '__fish_seen_subcommand_from resume' -a '(__sluicectl_names paused)'
complete -c sluicectl -n '__fish_seen_subcommand_from trigger' -a '(__sluicectl_names schedules)'
complete -c sluicectl -n '__fish_seen_subcommand_from config; and not __fish_seen_subcommand_from show set unset' -a 'show set unset'
complete -c sluicectl -n '__fish_seen_subcommand_from config; and __fish_seen_subcommand_from show set unset' -a 'Scheduler Class Resource Schedule Alert'
