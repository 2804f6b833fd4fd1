.verdict == "ordered" and .edges == [{"first": "router", "then": "web"}] and .waves == [["router"], ["web"]]
