# The same plans as the topology-file twin, the update and its roll-back:
# router first, then web; back, web first.
[.[] | {verdict, edges, waves}] == [$twin[0][] | {verdict, edges, waves}]
and .[0].waves == [["router"], ["web"]]
and .[1].waves == [["web"], ["router"]]
