#!/bin/sh
# SARIF that code scanning accepts: for every data-driven case with two
# inputs (OLD and NEW: the operands of its command that are files of the
# case), `snipeproof check --format sarif` (and with --rollback) is
# validated against the SARIF 2.1.0 schema (../shared/data/
# sarif-schema-2.1.0.json) with python3-jsonschema, and checked for what
# the schema leaves open: a rule per finding kind with help text, every
# result's ruleId/ruleIndex pointing at its rule, a location with a line,
# a partial fingerprint, fixes with at least one replacement each.  Every
# fix is applied to its file: the result must load (`snipeproof graph`)
# and declare the dependency the fix describes.
# Cases whose inputs are rejected (status 2, nothing written) are counted
# apart.  Skips, saying so, when ../shared or python3-jsonschema is absent.
# Usage: sarif-validate.sh BUILD-DIR
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
schema=${SP_SARIF_SCHEMA:-$root/../shared/data/sarif-schema-2.1.0.json}
if [ ! -f "$schema" ]; then
  echo "sarif-validate: skipped: no SARIF schema at $schema"
  exit 0
fi
py=""
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import jsonschema' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "sarif-validate: skipped: python3-jsonschema is not installed (apt-get install python3-jsonschema)"
  exit 0
fi
bin=$(cd "$build" && pwd)/snipeproof
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
: >"$tmp/list"
runs=0; rejected=0; bad=0; cases=0
for dir in "$root"/tests/cases/*/; do
  name=$(basename "$dir")
  [ -f "$dir/args" ] || continue
  # The operands that are files of the case, and the options that change
  # how they are read.
  set -- $(cat "$dir/args")
  files=""; opts=""; nfiles=0; skip_next=""
  [ $# -gt 0 ] || continue
  shift # the command
  for a in "$@"; do
    if [ -n "$skip_next" ]; then
      case "$skip_next" in --param|--types) opts="$opts $skip_next $a" ;; esac
      skip_next=""; continue
    fi
    case "$a" in
      --param|--types|--format|-o|--output|--max-states|--jobs|-j|--journal|--base) skip_next=$a ;;
      --param=*|--types=*|--strict|--assume-transitive-order) opts="$opts $a" ;;
      -*) ;;
      *) if [ -f "$dir/$a" ]; then files="$files $a"; nfiles=$((nfiles+1)); fi ;;
    esac
  done
  [ $nfiles = 2 ] || continue
  cases=$((cases+1))
  for extra in "" --rollback; do
    runs=$((runs+1))
    out="$tmp/$runs.sarif"
    # shellcheck disable=SC2086
    (cd "$dir" && "$bin" check --format sarif $extra $opts $files >"$out" 2>"$tmp/err")
    st=$?
    case $st in
      0|1|3) printf '%s\t%s %s\t%s\n' "$out" "$name" "$extra" "$dir" >>"$tmp/list" ;;
      2) rejected=$((rejected+1)); [ -n "$SP_SARIF_VERBOSE" ] && echo "rejected: $name $extra: $(grep -m1 error "$tmp/err")"; [ -s "$out" ] && { echo "FAIL $name $extra: status 2 but wrote output"; bad=$((bad+1)); } ;;
      *) echo "FAIL $name $extra: status $st"; sed -n 1,3p "$tmp/err"; bad=$((bad+1)) ;;
    esac
  done
done

"$py" - "$schema" "$tmp/list" "$bin" "$tmp" <<'EOF' || bad=$((bad+1))
import json, os, re, subprocess, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema)
binary, scratch = sys.argv[3], sys.argv[4]

def apply_fix(case_dir, fx):
    """Applies a fix; returns a problem or None."""
    ch = fx["artifactChanges"][0]
    path = os.path.join(case_dir, ch["artifactLocation"]["uri"])
    text = open(path, encoding="utf-8").read()
    lines = text.splitlines(keepends=True)
    def offset(line, col):
        return sum(len(l) for l in lines[:line - 1]) + col - 1
    out = text
    for rep in sorted(ch["replacements"], key=lambda r: (r["deletedRegion"]["startLine"],
                      r["deletedRegion"]["startColumn"]), reverse=True):
        r = rep["deletedRegion"]
        a, b = offset(r["startLine"], r["startColumn"]), offset(r["endLine"], r["endColumn"])
        if not 0 <= a <= b <= len(out):
            return "a region outside the file"
        out = out[:a] + rep["insertedContent"]["text"] + out[b:]
    m = re.search(r"add (\S+) to the (DependsOn|after: list) of (\S+)\)", fx["description"]["text"])
    if not m:
        return "a fix that says no edge: %r" % fx["description"]["text"]
    first, then = m.group(1), m.group(3)
    patched = os.path.join(scratch, "patched" + os.path.splitext(path)[1])
    open(patched, "w", encoding="utf-8").write(out)
    p = subprocess.run([binary, "graph", patched], capture_output=True, text=True)
    if p.returncode != 0:
        return "the fixed file does not load: %s" % p.stderr.strip()[:200]
    # The dependency is declared in the fixed file (YAML is read only when
    # python3-yaml is there).
    try:
        doc = json.loads(out)
    except ValueError:
        try:
            import yaml
        except ImportError:
            return None
        class L(yaml.SafeLoader):
            pass
        L.add_multi_constructor("!", lambda l, suffix, node: None)
        doc = yaml.load(out, Loader=L)
    section, key = ("Resources", "DependsOn") if "Resources" in doc else ("hosts", "after")
    deps = (doc.get(section) or {}).get(then, {}).get(key)
    deps = [deps] if isinstance(deps, str) else (deps or [])
    if first not in deps:
        return "after the fix, %s of %s is %r, without %s" % (key, then, deps, first)
    return None

failed = validated = results = suppressed = fixes = 0
for line in open(sys.argv[2], encoding="utf-8"):
    path, name, case_dir = line.rstrip("\n").split("\t")
    problems = []
    try:
        log = json.load(open(path, encoding="utf-8"))
    except ValueError as e:
        problems.append("not JSON: %s" % e)
        log = None
    if log is not None:
        for e in sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))[:3]:
            problems.append("schema: %s at %s" % (e.message[:200], "/".join(map(str, e.absolute_path))))
        run = log.get("runs", [{}])[0]
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        ids = [r.get("id") for r in rules]
        if sorted(ids) != ["dangling-reference-window", "exposure-window"]:
            problems.append("rules: %s" % ids)
        for r in rules:
            if not r.get("help", {}).get("text") or not r.get("shortDescription", {}).get("text"):
                problems.append("rule %s has no help text" % r.get("id"))
        seen = set()
        for res in run.get("results", []):
            results += 1
            i = res.get("ruleIndex")
            if not isinstance(i, int) or i >= len(ids) or ids[i] != res.get("ruleId"):
                problems.append("result's ruleIndex %r does not name %r" % (i, res.get("ruleId")))
            locs = res.get("locations") or []
            if not locs or "region" not in locs[0].get("physicalLocation", {}) \
                    or not locs[0]["physicalLocation"].get("artifactLocation", {}).get("uri"):
                problems.append("result without a location")
            fp = res.get("partialFingerprints", {}).get("snipeproofWindow/v1")
            if not fp:
                problems.append("result without a fingerprint")
            elif fp in seen:
                problems.append("two results share the fingerprint %s" % fp)
            seen.add(fp)
            if res.get("suppressions"):
                suppressed += 1
                if not res["suppressions"][0].get("justification"):
                    problems.append("a suppression without justification")
            for fx in res.get("fixes", []):
                fixes += 1
                ch = fx.get("artifactChanges") or []
                if not ch or not ch[0].get("replacements"):
                    problems.append("a fix without replacements")
                    continue
                why = apply_fix(case_dir, fx)
                if why:
                    problems.append("fix %r: %s" % (fx["description"]["text"][:60], why))
    validated += 1
    if problems:
        failed += 1
        print("FAIL %s: %s" % (name, "; ".join(problems[:4])))
print("sarif-validate: %d logs valid against the SARIF 2.1.0 schema, %d not; %d results, "
      "%d suppressed, %d fixes" % (validated - failed, failed, results, suppressed, fixes))
sys.exit(1 if failed else 0)
EOF
echo "sarif-validate: $cases cases with two inputs, $runs runs ($rejected rejected as input errors, as expected for error cases)"
[ $bad = 0 ]
