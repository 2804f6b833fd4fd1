(.findings | length) == 1 and .findings[0].kind == "dangling-reference-window"
and .findings[0].component == "SiteRecord" and .findings[0].instance == "new"
and (.findings[0].name | test("www.example.com"))
and .findings[0].witness.done == ["create SiteRecord"] and .findings[0].witness.pending == ["create Site"]
and .findings[0].fix == [{"first":"Site","then":"SiteRecord"}]
