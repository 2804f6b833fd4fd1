.files == ["<built-in>/aws.types.yaml", "acme.types.yaml"]
and (.types[] | select(.type == "Acme::Edge::Gateway") | .role == "public-entry" and .file == "acme.types.yaml" and .parameters.ports == [443])
and (.types[] | select(.type == "AWS::S3::Bucket") | .role == "inert" and .file == "acme.types.yaml")
and (.types[] | select(.type == "Custom::*") | .prefix and .inert)
and (.types[] | select(.type == "AWS::S3::BucketPolicy") | .file == "<built-in>/aws.types.yaml")
