(.findings | length) == 1
and .findings[0].component == "web" and .findings[0].instance == "old"
and .findings[0].excess == [{"protocol": "tcp", "ports": "8080", "sources": "0.0.0.0/0 except 192.168.1.0/24", "credentials": "any"}]
and .findings[0].witness == {"done": ["update router"], "pending": ["update web"]}
and .findings[0].fix == [{"first": "web", "then": "router"}]
