.verdict == "phased" and .edges == [] and .waves == []
and (.phases | length) == 2
and (.phases[0].changes | sort) == ["Authorizer", "Method"]
and .phases[1].changes == ["Function"]
