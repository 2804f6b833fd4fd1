.[0].waves == [["router"], ["web"]] and .[1].direction == "rollback" and .[1].verdict == "ordered" and .[1].waves == [["web"], ["router"]]
