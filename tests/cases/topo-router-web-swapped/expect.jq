.waves == [["web"], ["router"]]
