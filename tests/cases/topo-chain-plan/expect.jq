.verdict == "ordered" and .waves == [["inner"], ["edge"]]
