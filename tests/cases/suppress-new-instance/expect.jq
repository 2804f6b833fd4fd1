.summary.windows == 1
and ([.findings[] | {instance, s: (.suppressed // false)}] | sort_by(.instance))
    == [{"instance": "new", "s": true}, {"instance": "old", "s": false}]
