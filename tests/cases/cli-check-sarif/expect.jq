.version == "2.1.0" and (.runs | length) == 1
and (.runs[0].results | length) == 1
and .runs[0].results[0].ruleId == "exposure-window"
and .runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri == "new.yaml"
and (.runs[0].results[0].message.text | contains("create DenySsh before WebGroup"))
