.verdict == "phased" and (.phases | length) == 2
and .phases[0].changes == ["SshFromAnywhere"] and .phases[1].changes == ["Server"]
