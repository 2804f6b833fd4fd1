length == 2
and .[0].findings[0].witness == {"done": ["update web"], "pending": ["update router"]}
and .[1].direction == "rollback"
and (.[1].findings | length) == 1
and .[1].findings[0].component == "web"
and .[1].findings[0].instance == "old"
and .[1].findings[0].excess[0].ports == "22"
and .[1].findings[0].witness == {"done": ["update router"], "pending": ["update web"]}
and .[1].findings[0].fix == [{"first": "web", "then": "router"}]
