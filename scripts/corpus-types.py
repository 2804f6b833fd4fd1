#!/usr/bin/env python3
"""Coverage of the type catalogue over a corpus of CloudFormation templates.

Counts every resource of every template under the corpus folder (default
../shared/corpus, relative to the repository) by type, and says for each
type whether the catalogue models it, classifies it inert, classifies it as a
stack of its own (`separate`: nested stacks, stack sets, SAM applications,
whose templates are analysed by runs of their own), or does not know it;
then the overall shares.  The catalogue is the one `snipeproof types`
reports (built-in plus any --types FILE given here), so the numbers follow
the binary that is built.

usage: scripts/corpus-types.py [--snipeproof BIN] [--types FILE]... [--corpus DIR]
                               [--top N] [--json]
"""
import argparse
import collections
import json
import os
import subprocess
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("corpus-types.py needs PyYAML (python3-yaml) to read YAML templates")

STATUSES = ("modelled", "inert", "separate", "unknown")
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


class CfnLoader(yaml.SafeLoader):
    """Accepts every short-form tag (!Ref, !Sub, ...) as plain data."""


def _any_tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


CfnLoader.add_multi_constructor("!", _any_tag)


def load_template(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        return yaml.load(text, Loader=CfnLoader)


def catalogue(binary, types_files):
    cmd = [binary, "types", "--format", "json"]
    for t in types_files:
        cmd += ["--types", t]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(cmd), out.stderr))
    data = json.loads(out.stdout)
    exact, prefixes = {}, []
    for t in data["types"]:
        if t.get("separate"):
            status = "separate"
        else:
            status = "inert" if t["inert"] else "modelled"
        entry = (status, t["role"])
        if t["prefix"]:
            prefixes.append((t["type"].rstrip("*"), entry))
        else:
            exact[t["type"]] = entry
    prefixes.sort(key=lambda p: -len(p[0]))
    return exact, prefixes


def classify(rtype, exact, prefixes):
    if rtype in exact:
        return exact[rtype]
    for prefix, entry in prefixes:
        if rtype.startswith(prefix):
            return entry
    return ("unknown", "-")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snipeproof", default=None,
                    help="the snipeproof binary (default: build/snipeproof, then "
                         "build-types/snipeproof)")
    ap.add_argument("--types", action="append", default=[],
                    help="extra catalogue file, as for snipeproof --types")
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "corpus"))
    ap.add_argument("--top", type=int, default=0, help="show only the N most frequent types")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args()

    binary = args.snipeproof
    if not binary:
        for cand in ("build/snipeproof", "build-types/snipeproof"):
            if os.access(os.path.join(REPO, cand), os.X_OK):
                binary = os.path.join(REPO, cand)
                break
    if not binary:
        sys.exit("no snipeproof binary found; build it or pass --snipeproof")
    exact, prefixes = catalogue(binary, args.types)

    counts = collections.Counter()
    files = unreadable = 0
    for dirpath, _, names in os.walk(args.corpus):
        for name in sorted(names):
            if not name.endswith((".json", ".yaml", ".yml")):
                continue
            try:
                doc = load_template(os.path.join(dirpath, name))
            except Exception:  # a file that is not a template at all
                unreadable += 1
                continue
            resources = doc.get("Resources") if isinstance(doc, dict) else None
            if not isinstance(resources, dict):
                continue
            files += 1
            for body in resources.values():
                if isinstance(body, dict) and isinstance(body.get("Type"), str):
                    counts[body["Type"]] += 1

    total = sum(counts.values())
    by_status = collections.Counter()
    rows = []
    for rtype, n in counts.most_common():
        status, role = classify(rtype, exact, prefixes)
        by_status[status] += n
        rows.append({"type": rtype, "count": n, "status": status, "role": role})

    if args.json:
        json.dump({"files": files, "unreadable": unreadable, "resources": total,
                   "types": rows, "shares": {k: by_status[k] / total if total else 0
                                             for k in STATUSES}},
                  sys.stdout, indent=2)
        print()
        return
    shown = rows[: args.top] if args.top else rows
    width = max([len(r["type"]) for r in shown] + [4])
    print("%-*s %7s  %-9s %s" % (width, "TYPE", "COUNT", "STATUS", "ROLE"))
    for r in shown:
        print("%-*s %7d  %-9s %s" % (width, r["type"], r["count"], r["status"], r["role"]))
    print()
    print("%d templates (%d unreadable files skipped), %d resources of %d types"
          % (files, unreadable, total, len(rows)))
    for status in STATUSES:
        n = by_status[status]
        types = sum(1 for r in rows if r["status"] == status)
        print("  %-9s %6d resources (%5.1f%%) in %d types"
              % (status, n, 100.0 * n / total if total else 0, types))
    known = by_status["modelled"] + by_status["inert"]
    print("  modelled or inert: %.1f%% of resources" % (100.0 * known / total if total else 0))
    known += by_status["separate"]
    print("  modelled, inert or separate (classified): %.1f%% of resources"
          % (100.0 * known / total if total else 0))


if __name__ == "__main__":
    main()
