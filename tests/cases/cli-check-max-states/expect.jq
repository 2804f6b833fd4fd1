.summary.complete == false and (.summary.incomplete_reason | type) == "string" and .findings == []
