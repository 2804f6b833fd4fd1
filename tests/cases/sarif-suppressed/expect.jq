(.runs[0].results | length) == 1
and .runs[0].results[0].suppressions[0].kind == "inSource"
and .runs[0].results[0].suppressions[0].justification == "SSH is key-only; the window lasts one deploy"
and (.runs[0].results[0].partialFingerprints["snipeproofWindow/v1"] | test("^[0-9a-f]{16}$"))
and (.runs[0].tool.driver.rules[0].help.text | contains("snipeproof: {ignore: [{kind: exposure-window"))
and .runs[0].results[0].fixes[0].artifactChanges[0].replacements[0].insertedContent.text == "DependsOn: NoSsh\n    "
