#!/usr/bin/env python3
"""Checks the Grafana dashboards (deploy/grafana/*.json).

Always, without a running stack:
  - every file parses and is a dashboard: uid (stable, unique, at most 40 characters), title,
    schemaVersion, a Prometheus data source variable `datasource` that every panel and query
    uses, panels with ids, grid positions inside the 24 columns and not overlapping, and every
    panel that is not a row or text has targets with a PromQL `expr`;
  - every expression is balanced, calls only PromQL functions, and refers only to dashboard
    variables or Grafana's built-in ones;
  - a dashboard pinned to one job (a textbox, custom or constant variable `job`) names a job of
    deploy/prometheus/prometheus.yml;
  - every grpc_service / grpc_method a selector names is a service and method of proto/.

With a directory of scrapes (one <job>.txt per job of prometheus.yml: the text exposition
format of that job's /metrics, e.g. from tests/deploy/scrape_stack.sh after some traffic):
  - every metric name an expression or a variable query selects is in some scrape (a histogram
    is scraped as its _bucket, _sum and _count series; families declared by `# TYPE` count
    even without a series), but for ALLOWED_MISSING;
  - on a dashboard pinned to a job, the metric is in that job's scrape;
  - the labels a selector matches on are labels of that metric's series (job and instance are
    Prometheus' own).
Every problem is listed as (dashboard, panel, what); exit 1 if there is any.

Usage: check_dashboards.py [--dashboards DIR] [--prometheus FILE] [--protos DIR] [SCRAPE_DIR]"""
import argparse
import json
import os
import re
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Metrics a dashboard may use although a scrape of the local stack never has them.
ALLOWED_MISSING = {
    # Exported by libs/rpc/server.cc only when the server has a certificate (--tls-cert): the
    # local stack (scripts/up.sh) runs without TLS.
    "crm_tls_certificate_expiry_timestamp_seconds",
}

# Labels Prometheus attaches to every series of a target (and the name itself).
TARGET_LABELS = {"job", "instance", "__name__"}

FUNCTIONS = {
    # aggregation operators
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
    "topk", "quantile", "limitk", "limit_ratio",
    # functions
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
    "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
    "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg",
    "delta", "deriv", "double_exponential_smoothing", "exp", "floor", "histogram_avg",
    "histogram_count", "histogram_fraction", "histogram_quantile", "histogram_stddev",
    "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "irate",
    "label_join", "label_replace", "last_over_time", "ln", "log10", "log2", "mad_over_time",
    "max_over_time", "min_over_time", "minute", "month", "pi", "predict_linear",
    "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn",
    "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc", "sort_desc", "sqrt",
    "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp",
    "vector", "year",
    # the @ modifier's
    "start", "end",
}
# Followed by a parenthesised list of label names.
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
GRAFANA_BUILTINS = {"__rate_interval", "__interval", "__interval_ms", "__range", "__range_s",
                    "__range_ms", "__from", "__to", "__dashboard", "__org", "__user", "__all",
                    "timeFilter", "__timeFilter"}
PANELS_WITHOUT_QUERIES = {"row", "text", "news", "dashlist", "annolist"}
UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
VARIABLE_REF = re.compile(r"\$\{([A-Za-z_]\w*)(?:[:.][^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::[^\]]*)?\]\]")

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<var>\$\{[^}]*\}|\$\w+|\[\[\w+(?::[^\]]*)?\]\])
  | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+(?:ms|[smhdwy]))+|\d*\.?\d+(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=,@])
  | (?P<open>[({\[])
  | (?P<close>[)}\]])
""", re.VERBOSE)
CLOSING = {"(": ")", "{": "}", "[": "]"}


class Selector:
    """One vector selector: its metric name (None for a bare {…}) and label matchers."""

    def __init__(self, metric):
        self.metric = metric
        self.matchers = []  # (label, op, value)


def tokenize(expr):
    tokens, pos = [], 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"unexpected {expr[pos]!r} at {pos}")
        pos = m.end()
        if m.lastgroup != "space":
            tokens.append((m.lastgroup, m.group()))
    return tokens


def unquote(s):
    if s[0] == "`":
        return s[1:-1]
    return re.sub(r"\\(.)", r"\1", s[1:-1])


def parse_promql(expr):
    """Returns (selectors, problems): the vector selectors of a PromQL expression, and what is
    wrong with it (unbalanced brackets, an unknown function, a malformed matcher)."""
    problems = []
    try:
        tokens = tokenize(expr)
    except ValueError as e:
        return [], [str(e)]
    selectors, stack, i = [], [], 0
    while i < len(tokens):
        kind, text = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else (None, None)
        if kind == "open":
            if text == "{":
                prev = tokens[i - 1] if i else (None, None)
                sel = selectors[-1] if (prev[0] == "ident" and selectors and
                                        selectors[-1].metric == prev[1] and
                                        getattr(selectors[-1], "_at", None) == i - 1) else None
                if sel is None:
                    sel = Selector(None)
                    selectors.append(sel)
                i = parse_matchers(tokens, i + 1, sel, problems)
                continue
            if text == "[":  # a range or a subquery: durations and Grafana variables
                depth = 1
                i += 1
                while i < len(tokens) and depth:
                    depth += {"[": 1, "]": -1}.get(tokens[i][1], 0)
                    i += 1
                if depth:
                    problems.append("unclosed [")
                continue
            stack.append(text)
        elif kind == "close":
            if not stack or CLOSING[stack.pop()] != text:
                problems.append(f"unbalanced {text!r}")
        elif kind == "ident":
            word = text.lower()
            if word in GROUPING and nxt[1] == "(":
                j = i + 2
                while j < len(tokens) and tokens[j][1] != ")":
                    if tokens[j][0] not in ("ident", "op"):
                        problems.append(f"unexpected {tokens[j][1]!r} in {text}(…)")
                    j += 1
                if j == len(tokens):
                    problems.append(f"unclosed {text}(")
                i = j + 1
                continue
            if nxt[1] == "(" or (nxt[0] == "ident" and nxt[1].lower() in ("by", "without")):
                if text not in FUNCTIONS:
                    problems.append(f"unknown function {text}()")
            elif word in KEYWORDS or word in GROUPING:
                pass
            else:
                sel = Selector(text)
                sel._at = i
                selectors.append(sel)
        i += 1
    if stack:
        problems.append(f"unclosed {''.join(stack)}")
    for sel in selectors:
        if sel.metric is None:
            names = [v for label, op, v in sel.matchers if label == "__name__" and op == "="]
            sel.metric = names[0] if names else None
    return [s for s in selectors if s.metric], problems


def parse_matchers(tokens, i, sel, problems):
    """Parses `label op "value", …}` from tokens[i]; returns the index after the `}`."""
    while i < len(tokens) and tokens[i][1] != "}":
        if tokens[i][1] == ",":
            i += 1
            continue
        if (i + 2 < len(tokens) and tokens[i][0] == "ident" and
                tokens[i + 1][1] in ("=", "!=", "=~", "!~") and tokens[i + 2][0] == "string"):
            sel.matchers.append((tokens[i][1], tokens[i + 1][1], unquote(tokens[i + 2][1])))
            i += 3
        else:
            problems.append(f"malformed label matcher at {tokens[i][1]!r}")
            while i < len(tokens) and tokens[i][1] not in (",", "}"):
                i += 1
    if i == len(tokens):
        problems.append("unclosed {")
    return i + 1


def variable_query_expr(query):
    """The PromQL inside a Prometheus variable's query, or None (label_values(label), metrics(…))."""
    if isinstance(query, dict):
        query = query.get("query", "")
    query = (query or "").strip()
    m = re.match(r"^(label_values|query_result)\s*\((.*)\)\s*$", query, re.S)
    if not m:
        return None
    if m.group(1) == "query_result":
        return m.group(2)
    inner, depth, cut = m.group(2), 0, None
    for k, ch in enumerate(inner):
        depth += {"(": 1, "{": 1, "[": 1, ")": -1, "}": -1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            cut = k
    return inner[:cut] if cut is not None else None


# ---------------------------------------------------------------- inputs
def load_jobs(path):
    with open(path) as f:
        config = yaml.safe_load(f)
    return [c["job_name"] for c in config.get("scrape_configs", [])]


def load_protos(root):
    """{"crm.auth.v1.AuthService": {"Login", …}, …} from the .proto files under root."""
    services = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".proto"):
                continue
            with open(os.path.join(dirpath, name)) as f:
                text = re.sub(r"//[^\n]*", "", f.read())
            package = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.M)
            prefix = package.group(1) + "." if package else ""
            current = None
            for m in re.finditer(r"\bservice\s+(\w+)\s*\{|\brpc\s+(\w+)\s*\(", text):
                if m.group(1):
                    current = services.setdefault(prefix + m.group(1), set())
                elif current is not None:
                    current.add(m.group(2))
    return services


SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+\S+")
LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


def load_scrape(path):
    """{series name: set of label names} of one exposition, with the series every `# TYPE`
    declares (a histogram's _bucket, _sum and _count) even when it has no sample."""
    series = {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("# TYPE "):
                parts = line.split()
                if len(parts) < 4:
                    continue
                name, kind = parts[2], parts[3]
                names = {"histogram": [name + "_bucket", name + "_sum", name + "_count"],
                         "gaugehistogram": [name + "_bucket", name + "_gsum", name + "_gcount"],
                         "summary": [name, name + "_sum", name + "_count"],
                         "counter": [name] if name.endswith("_total") else [name, name + "_total"]
                         }.get(kind, [name])
                for n in names:
                    series.setdefault(n, set())
            elif line and not line.startswith("#"):
                m = SAMPLE.match(line)
                if m:
                    labels = series.setdefault(m.group(1), set())
                    labels.update(label for label, _ in LABEL.findall(m.group(2) or ""))
    return series


# ---------------------------------------------------------------- checks
class Checker:
    def __init__(self, jobs, protos):
        self.jobs = jobs
        self.protos = protos
        self.problems = []
        self.uses = []  # (dashboard, panel, pinned job, Selector)
        self.panels = 0

    def problem(self, where, what):
        self.problems.append(f"{where}: {what}")

    def dashboard(self, path, uids, titles):
        name = os.path.basename(path)
        try:
            with open(path) as f:
                d = json.load(f)
        except (OSError, ValueError) as e:
            return self.problem(name, f"does not parse: {e}")
        if not isinstance(d, dict):
            return self.problem(name, "is not a dashboard object")
        uid, title = d.get("uid"), d.get("title")
        if not isinstance(uid, str) or not UID.match(uid):
            self.problem(name, f"uid {uid!r} is not 1–40 letters, digits, - or _")
        elif uid in uids:
            self.problem(name, f"uid {uid} is also {uids[uid]}'s")
        else:
            uids[uid] = name
        if not isinstance(title, str) or not title.strip():
            self.problem(name, "has no title")
        elif title in titles:
            self.problem(name, f"title {title!r} is also {titles[title]}'s")
        else:
            titles[title] = name
        if not isinstance(d.get("schemaVersion"), int):
            self.problem(name, "has no schemaVersion")
        if d.get("id") not in (None,):
            self.problem(name, "has an id (an instance's database id): set it to null")

        variables = (d.get("templating") or {}).get("list")
        if not isinstance(variables, list):
            self.problem(name, "has no templating.list")
            variables = []
        defined = {v.get("name") for v in variables if isinstance(v, dict)}
        ds = [v for v in variables if isinstance(v, dict) and v.get("name") == "datasource"]
        if not ds or ds[0].get("type") != "datasource" or ds[0].get("query") != "prometheus":
            self.problem(name, "has no Prometheus data source variable `datasource`")
        pinned = None
        for v in variables:
            if not isinstance(v, dict) or not v.get("name") or not v.get("type"):
                self.problem(name, f"variable {v!r} has no name or type")
                continue
            where = f"{name}: variable {v['name']}"
            if v["type"] == "query":
                self.datasource(where, v.get("datasource"))
                expr = variable_query_expr(v.get("query"))
                if expr is not None:
                    self.expression(name, f"variable {v['name']}", expr, defined, None)
            if v["name"] == "job" and v["type"] in ("textbox", "custom", "constant"):
                pinned = (v.get("current") or {}).get("value") or v.get("query")
                if isinstance(pinned, list) or "," in str(pinned):
                    pinned = None
                elif self.jobs and pinned not in self.jobs:
                    self.problem(where, f"{pinned!r} is no job of prometheus.yml ({', '.join(self.jobs)})")

        panels = d.get("panels")
        if not isinstance(panels, list) or not panels:
            return self.problem(name, "has no panels")
        ids, cells, named = set(), {}, set()
        for panel, nested in walk(panels):
            self.panel(name, panel, nested, ids, cells, defined, pinned)
            title = panel.get("title") if isinstance(panel, dict) else None
            if title and panel.get("type") != "row":
                if title in named:
                    self.problem(name, f'has two panels titled "{title}"')
                named.add(title)

    def datasource(self, where, ds):
        uid = ds.get("uid") if isinstance(ds, dict) else ds
        if uid not in ("${datasource}", "$datasource"):
            self.problem(where, f"data source {ds!r} is not ${{datasource}}")

    def panel(self, name, panel, nested, ids, cells, defined, pinned):
        if not isinstance(panel, dict):
            return self.problem(name, f"panel {panel!r} is not an object")
        title = panel.get("title")
        where = f'{name}: panel "{title}" (id {panel.get("id")})'
        if not isinstance(panel.get("id"), int) or panel["id"] in ids:
            self.problem(where, "has no id of its own")
        ids.add(panel.get("id"))
        if not isinstance(title, str) or not panel.get("type"):
            self.problem(where, "has no title or type")
        pos = panel.get("gridPos")
        if not isinstance(pos, dict) or not all(isinstance(pos.get(k), int) for k in "hwxy"):
            self.problem(where, "has no gridPos {h, w, x, y}")
        elif pos["x"] < 0 or pos["y"] < 0 or pos["w"] < 1 or pos["h"] < 1 or pos["x"] + pos["w"] > 24:
            self.problem(where, f"gridPos {pos} is outside the 24 columns")
        elif not nested:
            for x in range(pos["x"], pos["x"] + pos["w"]):
                for y in range(pos["y"], pos["y"] + pos["h"]):
                    if (x, y) in cells:
                        self.problem(where, f"overlaps panel {cells[(x, y)]}")
                        break
                    cells[(x, y)] = panel.get("id")
                else:
                    continue
                break
        if panel.get("type") in PANELS_WITHOUT_QUERIES:
            return
        self.panels += 1
        self.datasource(where, panel.get("datasource"))
        targets = panel.get("targets")
        if not isinstance(targets, list) or not targets:
            return self.problem(where, "has no targets")
        refs = set()
        for t in targets:
            if not isinstance(t, dict) or not isinstance(t.get("expr"), str) or not t["expr"].strip():
                self.problem(where, f"target {t.get('refId') if isinstance(t, dict) else t!r} has no expr")
                continue
            if t.get("refId") in refs or not t.get("refId"):
                self.problem(where, f"target refId {t.get('refId')!r} is missing or repeated")
            refs.add(t.get("refId"))
            if "datasource" in t:
                self.datasource(f"{where} target {t.get('refId')}", t["datasource"])
            self.expression(name, f'panel "{title}"', t["expr"], defined, pinned)

    def expression(self, name, panel, expr, defined, pinned):
        where = f"{name}: {panel}"
        for m in VARIABLE_REF.finditer(expr):
            var = next(g for g in m.groups() if g)
            if var not in defined and var not in GRAFANA_BUILTINS:
                self.problem(where, f"uses undefined variable ${var}")
        selectors, problems = parse_promql(expr)
        for p in problems:
            self.problem(where, f"{p} in {expr!r}")
        for sel in selectors:
            self.uses.append((name, panel, pinned, sel))
            self.grpc_names(where, sel)

    def grpc_names(self, where, sel):
        if not self.protos:
            return
        service = [v for label, op, v in sel.matchers if label == "grpc_service" and op == "="]
        if not service or not service[0].startswith(("crm.", "external.")):
            return
        service = service[0]
        if service not in self.protos:
            return self.problem(where, f"grpc_service {service} is not in proto/")
        for label, op, value in sel.matchers:
            if label != "grpc_method" or op not in ("=", "=~"):
                continue
            names = [value] if op == "=" else value.split("|")
            if op == "=~" and not all(re.fullmatch(r"\w+", n) for n in names):
                continue
            for method in names:
                if method not in self.protos[service]:
                    self.problem(where, f"{service} has no method {method} in proto/")

    def scrapes(self, directory):
        by_job = {}
        for job in self.jobs:
            path = os.path.join(directory, f"{job}.txt")
            if not os.path.isfile(path):
                self.problem(directory, f"has no scrape of job {job} ({job}.txt)")
                continue
            by_job[job] = load_scrape(path)
            if not by_job[job]:
                self.problem(path, "has no metrics")
        for name in sorted(os.listdir(directory)):
            job = name[:-4]
            if name.endswith(".txt") and job not in by_job and job not in self.jobs:
                by_job[job] = load_scrape(os.path.join(directory, name))
        every = {}
        for series in by_job.values():
            for metric, labels in series.items():
                every.setdefault(metric, set()).update(labels)

        missing, allowed, seen = {}, set(), set()
        for name, panel, pinned, sel in self.uses:
            where = f"{name}: {panel}"
            key = (where, sel.metric)
            if sel.metric not in every:
                if sel.metric in ALLOWED_MISSING:
                    allowed.add(sel.metric)
                elif key not in seen:
                    missing.setdefault(sel.metric, []).append(where)
                    self.problem(where, f"metric {sel.metric} is in no scrape")
                seen.add(key)
                continue
            labels = every[sel.metric]
            if pinned in by_job:
                if sel.metric not in by_job[pinned]:
                    if key not in seen:
                        exporters = sorted(j for j, s in by_job.items() if sel.metric in s)
                        self.problem(where, f"metric {sel.metric} is not exported by {pinned}, the "
                                            f"dashboard's job (only by {', '.join(exporters)})")
                    seen.add(key)
                    continue
                labels = by_job[pinned][sel.metric]
            if not labels:  # declared without a series: its labels are unknown
                continue
            for label, _, _ in sel.matchers:
                if label not in labels and label not in TARGET_LABELS and (key, label) not in seen:
                    seen.add((key, label))
                    self.problem(where, f"metric {sel.metric} has no label {label} "
                                        f"(its labels: {', '.join(sorted(labels))})")
        return by_job, missing, allowed


def walk(panels, nested=False):
    for p in panels:
        yield p, nested
        if isinstance(p, dict) and isinstance(p.get("panels"), list):
            yield from walk(p["panels"], True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scrapes", nargs="?", help="directory of <job>.txt scrapes")
    parser.add_argument("--dashboards", default=os.path.join(ROOT, "deploy", "grafana"))
    parser.add_argument("--prometheus", default=os.path.join(ROOT, "deploy", "prometheus", "prometheus.yml"))
    parser.add_argument("--protos", default=os.path.join(ROOT, "proto"))
    args = parser.parse_args()

    checker = Checker(load_jobs(args.prometheus), load_protos(args.protos))
    files = sorted(f for f in os.listdir(args.dashboards) if f.endswith(".json"))
    if not files:
        checker.problem(args.dashboards, "has no dashboards")
    uids, titles = {}, {}
    for f in files:
        checker.dashboard(os.path.join(args.dashboards, f), uids, titles)
    metrics = {sel.metric for _, _, _, sel in checker.uses}
    summary = f"{len(files)} dashboards, {checker.panels} panels, {len(metrics)} metrics"
    if args.scrapes:
        by_job, missing, allowed = checker.scrapes(args.scrapes)
        summary += f", against {len(by_job)} scrapes"
        for metric in sorted(allowed):
            print(f"note: {metric} is in no scrape (allowed: see ALLOWED_MISSING)")
    for p in checker.problems:
        print(p)
    if args.scrapes and missing:
        print(f"metrics in no scrape: {', '.join(sorted(missing))}")
    if checker.problems:
        print(f"FAILED: {len(checker.problems)} problems ({summary})")
        return 1
    print(f"OK: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
