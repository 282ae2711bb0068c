"""Checks that every alert rule can be acted on: a severity of page or ticket, a summary and a
description, and a runbook_url naming its own entry in docs/operations.md (a heading with the
alert's name, whose anchor is the name in lower case), and that every alert has unit tests
(an alert_rule_test in deploy/prometheus/rules_test.yml, one that expects it to fire).
Usage: check_alerts.py <rules file> <docs/operations.md> <rules_test.yml>"""
import re
import sys

import yaml

SEVERITIES = ("page", "ticket")
problems = []


def anchor(heading):
    # GitHub's: lower case, punctuation dropped, spaces to hyphens.
    return re.sub(r"[^a-z0-9 _-]", "", heading.strip().lower()).replace(" ", "-")


def main(rules_path, runbook_path, tests_path):
    with open(rules_path) as f:
        groups = yaml.safe_load(f)["groups"]
    with open(runbook_path) as f:
        anchors = {anchor(m.group(1)) for m in re.finditer(r"^#+ (.+)$", f.read(), re.M)}
    with open(tests_path) as f:
        tests = yaml.safe_load(f)["tests"]
    tested, fired = set(), set()
    for t in tests:
        for a in t.get("alert_rule_test", []):
            tested.add(a["alertname"])
            if a.get("exp_alerts"):
                fired.add(a["alertname"])

    alerts = {}
    for g in groups:
        for r in g["rules"]:
            if "alert" in r:
                alerts.setdefault(r["alert"], []).append(r)
    for name, rules in alerts.items():
        for r in rules:
            severity = r.get("labels", {}).get("severity")
            if severity not in SEVERITIES:
                problems.append(f"{name}: severity {severity!r} is not one of {SEVERITIES}")
            annotations = r.get("annotations", {})
            for key in ("summary", "description"):
                if not annotations.get(key):
                    problems.append(f"{name}: no {key}")
            url = annotations.get("runbook_url", "")
            expected = f"docs/operations.md#{name.lower()}"
            if url != expected:
                problems.append(f"{name}: runbook_url {url!r}, expected {expected!r}")
        if name.lower() not in anchors:
            problems.append(f"{name}: no heading '{name}' in docs/operations.md")
        if name not in fired:
            problems.append(f"{name}: no unit test expects it to fire")
    for name in tested - alerts.keys():
        problems.append(f"rules_test.yml tests an alert that does not exist: {name}")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


sys.exit(main(*sys.argv[1:4]))
