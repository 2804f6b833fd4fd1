.verdict != "ordered" and .verdict != "safe"
