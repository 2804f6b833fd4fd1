(.findings | length) == 1 and .findings[0].kind == "dangling-reference-window"
and .findings[0].component == "SiteRecord" and .findings[0].instance == "old"
and .findings[0].witness.done == ["delete Site"] and .findings[0].witness.pending == ["delete SiteRecord"]
