type == "array" and length == 2
and .[0].direction == "update" and .[0].summary.windows == 1
and .[1].direction == "rollback" and .[1].summary.windows == 0
