.version == 1 and .direction == "update"
and .summary.windows == 1 and .summary.complete == true
and (.summary | keys_unsorted) == ["components","modeled","unmodeled_types","events","windows","complete"]
and (.findings | length) == 1
and (.findings[0] | keys_unsorted) == ["kind","component","instance","location","excess","path","witness","fix"]
and .findings[0].kind == "exposure-window"
and .findings[0].component == "WebServer"
and .findings[0].location.file == "new.yaml"
and .findings[0].path[0] == "internet"
and .findings[0].witness == {"done": ["update WebGroup"], "pending": ["create DenySsh"]}
and .findings[0].fix == [{"first": "DenySsh", "then": "WebGroup"}]
