(.findings | length) == 0 and .summary.events == 0
