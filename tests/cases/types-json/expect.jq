.version == 1 and .format == "types/1"
and .files == ["<built-in>/aws.types.yaml"]
and .summary.types == (.types | length)
and .summary.modelled + .summary.inert == .summary.types
and ([.types[] | select(.description | length < 10)] | length) == 0
and ([.roles[].name] as $roles | [.types[] | select(.role as $r | $roles | index($r) | not)] | length) == 0
and (.types[] | select(.type == "AWS::EC2::Instance") | .role == "network-node" and .parameters.subnets[0] == "SubnetId")
and (.types[] | select(.type == "AWS::S3::Bucket") | .claims == {"namespace": "s3-bucket", "property": "BucketName"})
and (.types[] | select(.type == "AWS::Logs::LogGroup") | .inert)
and ([.names[].namespace] | index("s3-bucket") != null)
and (.actions | index("s3:GetObject") != null)
