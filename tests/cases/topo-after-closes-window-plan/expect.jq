.verdict == "safe" and .edges == [] and .waves == [["router"], ["web"]]
