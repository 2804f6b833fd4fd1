(.findings | length) == 1
and .findings[0].component == "Server" and .findings[0].instance == "new"
and .findings[0].excess[0].ports == "22"
and .findings[0].witness.done == ["update Server"]
and .findings[0].witness.pending == ["delete SshFromAnywhere"]
and .findings[0].fix == []
