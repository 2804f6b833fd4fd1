(.runs[0].results | length) == 2
and ([.runs[0].results[] | [.properties.instance, .locations[0].physicalLocation.artifactLocation.uri]] | sort)
    == [["new", "new.json"], ["old", "old.json"]]
and ([.runs[0].results[].fixes[0].artifactChanges[0]
      | [.artifactLocation.uri, .replacements[0].insertedContent.text]] | sort)
    == [["new.json", ",\n        \"NoSsh\""], ["new.json", "DependsOn\": \"NoSsh\",\n      \""]]
