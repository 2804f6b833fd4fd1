length == 2 and .[0].summary.windows == 0 and .[0].findings[0].suppressed == true
and .[1].direction == "rollback"
