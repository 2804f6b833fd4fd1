#!/bin/sh
# `snipeproof graph` writes valid Graphviz DOT: every expected output of
# the graph-* cases, the graphs of the bundled examples and (when
# ../shared is there) the update graph of every pair of the CloudFormation
# corpus are checked with `dot` when Graphviz is installed (it is not a
# dependency), and always with a small parser of the DOT grammar (below)
# that also checks what snipeproof promises on top: every node an edge
# names is declared, no node is declared twice, and the output is the same
# on a second run.  (dot must render them; on a few corpus graphs
# Graphviz 2.42 prints spline-routing warnings of its own, tolerated there.)
# Usage: graph-dot.sh BUILD-DIR
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "$build" && pwd)/snipeproof
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0; n=0

check() { # FILE NAME
  n=$((n+1))
  if ! python3 "$tmp/dotcheck.py" "$1" >"$tmp/why" 2>&1; then
    echo "FAIL $2: not valid DOT: $(cat "$tmp/why")"; fail=$((fail+1)); return
  fi
  if [ -n "$dot" ]; then
    if ! "$dot" -Tcanon "$1" >/dev/null 2>"$tmp/dot.err" || [ -s "$tmp/dot.err" ]; then
      echo "FAIL $2: dot says: $(head -3 "$tmp/dot.err")"; fail=$((fail+1))
    fi
  fi
}

cat >"$tmp/dotcheck.py" <<'EOF'
# The subset of the DOT grammar (graphviz.org/doc/info/lang.html) that
# snipeproof writes, checked strictly.
import re, sys
def check_file(path):
  global toks, i, declared, edges
  text = open(path, encoding="utf-8").read()
  tok_re = re.compile(r'\s+|//[^\n]*|"(?:[^"\\]|\\.)*"|->|--|[{}\[\];=,:]|[A-Za-z_\x80-\uffff][\w\x80-\uffff]*|-?(?:\.\d+|\d+(?:\.\d*)?)', re.S)
  toks, pos = [], 0
  while pos < len(text):
      m = tok_re.match(text, pos)
      if not m:
          sys.exit("unexpected character %r at offset %d" % (text[pos], pos))
      t = m.group(0)
      if not t.isspace() and not t.startswith("//"):
          toks.append(t)
      pos = m.end()
  i = 0
  def peek(): return toks[i] if i < len(toks) else None
  def take(want=None):
      global i
      t = peek()
      if t is None or (want is not None and t != want):
          sys.exit("expected %r, found %r (token %d)" % (want, t, i))
      i += 1
      return t
  def is_id(t): return t is not None and (t[0] == '"' or re.match(r'[\w\x80-\uffff.-]', t)) and t not in ("->", "--")
  def ident():
      t = take()
      if not is_id(t) or t.lower() in ("graph", "digraph", "node", "edge", "subgraph", "strict"):
          sys.exit("expected an ID, found %r" % t)
      return t
  def attr_list():
      while peek() == "[":
          take("[")
          while peek() != "]":
              ident(); take("="); ident()
              if peek() in (",", ";"): take()
          take("]")
  declared, edges = set(), []
  def stmt_list():
      while peek() != "}":
          t = peek()
          if t in ("graph", "node", "edge"):
              take(); attr_list()
          elif t == "subgraph":
              take()
              if peek() != "{": ident()
              take("{"); stmt_list(); take("}")
          else:
              a = ident()
              if peek() == "=":
                  take("="); ident()
              elif peek() == "->":
                  ends = [a]
                  while peek() == "->":
                      take("->"); ends.append(ident())
                  edges.extend(ends)
                  attr_list()
              else:
                  if a in declared:
                      sys.exit("node %s declared twice" % a)
                  declared.add(a)
                  attr_list()
          if peek() == ";": take(";")
  take("digraph")
  if peek() != "{": ident()
  take("{"); stmt_list(); take("}")
  if peek() is not None:
      sys.exit("text after the graph: %r" % peek())
  missing = sorted(set(e for e in edges if e not in declared))
  if missing:
      sys.exit("edges name undeclared nodes: %s" % ", ".join(missing))
failed = 0
for path in sys.argv[1:]:
  try:
    check_file(path)
  except SystemExit as e:
    failed += 1
    print("%s: %s" % (path, e.code))
sys.exit(1 if failed else 0)
EOF

dot=$(command -v dot || true)
[ -n "$dot" ] || echo "graph-dot: Graphviz is not installed: checking with the grammar alone"

# The syntax checker must itself refuse bad DOT.
printf 'digraph g {\n  "a" -> "b" [label="x];\n}\n' >"$tmp/bad1.dot"
printf 'digraph g {\n  "a" [label="x"];\n  "a" -> "b";\n}\n' >"$tmp/bad2.dot"
for b in bad1 bad2; do
  if python3 "$tmp/dotcheck.py" "$tmp/$b.dot" >/dev/null 2>&1; then
    echo "FAIL the DOT checker accepts $b.dot"; fail=$((fail+1)); fi
done

for exp in "$root"/tests/cases/graph-*/expect.stdout; do
  [ -s "$exp" ] || continue
  name=$(basename "$(dirname "$exp")")
  check "$exp" "$name"
done
for ex in "$root"/examples/*/; do
  [ -f "$ex/new.yaml" ] || continue
  name=examples/$(basename "$ex")
  for mode in one update; do
    if [ $mode = one ]; then set -- "$ex/new.yaml"; else set -- "$ex/old.yaml" "$ex/new.yaml"; fi
    if ! "$bin" graph "$@" >"$tmp/g.dot" 2>"$tmp/g.err"; then
      echo "FAIL $name ($mode): exit status $?"; sed -n 1,3p "$tmp/g.err"; fail=$((fail+1)); continue
    fi
    check "$tmp/g.dot" "$name ($mode)"
    "$bin" graph "$@" >"$tmp/g2.dot" 2>/dev/null
    cmp -s "$tmp/g.dot" "$tmp/g2.dot" || { echo "FAIL $name ($mode): differs between runs"; fail=$((fail+1)); }
  done
done
# The corpus: every pair that loads gives a graph dot can render.
corpus=${SP_CORPUS:-$root/../shared/corpus/cfn-pairs}
if [ -d "$corpus" ]; then
  mkdir -p "$tmp/corpus"; k=0; loaded=0
  for d in "$corpus"/*/; do
    b=$(ls "$d" | grep '^before\.' | head -1); a=$(ls "$d" | grep '^after\.' | head -1)
    [ -n "$b" ] && [ -n "$a" ] || continue
    k=$((k+1))
    "$bin" graph "$d$b" "$d$a" >"$tmp/corpus/$k.dot" 2>/dev/null; st=$?
    case $st in
      0) loaded=$((loaded+1)) ;;
      2) rm -f "$tmp/corpus/$k.dot" ;; # does not load (corpus-load.sh says why)
      *) echo "FAIL corpus $(basename "$d"): exit status $st"; fail=$((fail+1)); rm -f "$tmp/corpus/$k.dot" ;;
    esac
  done
  if [ $loaded -gt 0 ]; then
    python3 "$tmp/dotcheck.py" "$tmp/corpus"/*.dot >"$tmp/why" 2>&1 || {
      echo "FAIL corpus graphs that are not valid DOT:"; head -5 "$tmp/why"; fail=$((fail+1)); }
    if [ -n "$dot" ]; then
      for g in "$tmp/corpus"/*.dot; do
        "$dot" -Tcanon "$g" >/dev/null 2>"$tmp/dot.err" || {
          echo "FAIL corpus graph $(basename "$g"): $(grep -v '^libpath' "$tmp/dot.err" | head -2)"; fail=$((fail+1)); }
      done
    fi
    n=$((n+loaded))
  fi
  echo "graph-dot: corpus: $loaded of $k pairs drawn and checked"
else
  echo "graph-dot: corpus skipped: no corpus at $corpus"
fi
echo "graph-dot: $n graphs checked$([ -n "$dot" ] && echo " (also with $dot)"), $fail failed"
[ $fail = 0 ]
