[.findings[] | select(.component == "Server")] as $s
| ($s | length) == 1
  and $s[0].instance == "new"
  and ($s[0].witness.pending | index("create AclAssociation")) != null
  and ($s[0].fix | index({"first": "AclAssociation", "then": "Server"})) != null
