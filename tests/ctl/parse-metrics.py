#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# parse-metrics.py FORMAT < TEXT: parse "sluicectl metrics" output with the
# reference parsers of python3-prometheus-client (Debian) and print what
# they understood, one line each, sorted, for test-ctl-metrics.c to compare:
#   family NAME TYPE UNIT
#   sample NAME LABEL=VALUE,... VALUE
# FORMAT: "openmetrics" (prometheus_client.openmetrics.parser: strict, needs
# "# EOF") or "prometheus" (prometheus_client.parser: the text format 0.0.4
# that node_exporter's textfile collector reads).  A parse error exits 1.
# Exit 77 (skip) when the module is missing.
import sys

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
    from prometheus_client.parser import text_string_to_metric_families as parse_prometheus
except ImportError as e:
    print(f"python3-prometheus-client is missing: {e}", file=sys.stderr)
    sys.exit(77)


def number(v):
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def main():
    fmt = sys.argv[1]
    text = sys.stdin.read()
    parse = {"openmetrics": parse_openmetrics, "prometheus": parse_prometheus}[fmt]
    lines = []
    try:
        for family in parse(text):
            lines.append(f"family {family.name} {family.type} {family.unit or '-'}")
            for s in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                lines.append(f"sample {s.name} {labels or '-'} {number(s.value)}")
    except Exception as e:  # the parsers raise ValueError and friends
        print(f"{fmt}: {e}", file=sys.stderr)
        sys.exit(1)
    print("\n".join(sorted(lines)))


if __name__ == "__main__":
    main()
