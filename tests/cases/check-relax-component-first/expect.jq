(.findings | length) == 1
and .findings[0].component == "Server" and .findings[0].instance == "old"
and .findings[0].excess[0].ports == "22"
and .findings[0].witness == {"done":["update Ssh"],"pending":["update Server"]}
and .findings[0].fix == [{"first":"Server","then":"Ssh"}]
