(.findings | length) == 0 and .summary.windows == 0 and .summary.complete == true and .summary.events == 2
