(.findings | length) == 1
and .findings[0].component == "db" and .findings[0].instance == "unchanged"
and .findings[0].path == ["internet", "dmz", "lan", "db"]
and .findings[0].excess == [{"protocol": "tcp", "ports": "5432", "sources": "0.0.0.0/0 except 10.0.1.0/24 and 10.0.2.0/24", "credentials": "any"}]
and .findings[0].witness == {"done": ["update edge"], "pending": ["update inner"]}
