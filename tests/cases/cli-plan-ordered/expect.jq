keys_unsorted == ["version","direction","verdict","edges","waves","phases","conflicts"]
and .verdict == "ordered"
and .edges == [{"first": "DenySsh", "then": "WebGroup"}]
and .waves == [["DenySsh"], ["WebGroup"]]
and .phases == [] and .conflicts == []
