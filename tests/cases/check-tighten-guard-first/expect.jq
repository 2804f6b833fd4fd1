(.findings | length) == 1
and .findings[0].kind == "exposure-window"
and .findings[0].component == "Server" and .findings[0].instance == "new"
and .findings[0].excess == [{"protocol":"tcp","ports":"22","sources":"0.0.0.0/0","credentials":"any"}]
and .findings[0].witness == {"done":["update Server"],"pending":["create DenySsh"]}
and .findings[0].fix == [{"first":"DenySsh","then":"Server"}]
