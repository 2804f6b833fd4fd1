.summary.windows == 0 and .findings[0].instance == "unchanged"
and .findings[0].suppressed == true
and .findings[0].suppression_reason == "SSH is key-only; the window lasts one deploy"
