# The same findings as the topology-file twin (examples/router-web), their
# locations aside (they are in different files).
(.findings | map(del(.location))) == ($twin[0].findings | map(del(.location)))
and (.findings | length) == 1
and .findings[0].location == {"file": "new.scm", "line": 69, "column": 7}
and .summary.events == $twin[0].summary.events
and .summary.windows == $twin[0].summary.windows
