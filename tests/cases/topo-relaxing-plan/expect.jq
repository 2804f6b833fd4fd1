.[0].waves == [["web"], ["router"]] and .[1].waves == [["router"], ["web"]]
