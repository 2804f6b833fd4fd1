(.findings | length) == 1
and .findings[0].kind == "exposure-window"
and .findings[0].component == "web"
and .findings[0].instance == "new"
and .findings[0].location == {"file": "new.yaml", "line": 15, "column": 3}
and .findings[0].excess == [{"protocol": "tcp", "ports": "22", "sources": "0.0.0.0/0 except 192.168.1.0/24", "credentials": "any"}]
and .findings[0].path == ["internet", "lan", "web"]
and .findings[0].witness == {"done": ["update web"], "pending": ["update router"]}
and .findings[0].fix == [{"first": "router", "then": "web"}]
and .summary.events == 2 and .summary.complete
