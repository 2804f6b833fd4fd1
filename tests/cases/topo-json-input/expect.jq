.findings | length == 1 and .[0].component == "web" and .[0].fix == [{"first": "router", "then": "web"}]
