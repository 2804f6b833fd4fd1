#!/bin/sh
# `--base REV`: OLD is NEW's path at a git revision.  Against temporary
# repositories: the same findings as with OLD given as a file, from the
# repository's root, a subfolder and outside it; branch and remote
# revisions; errors in OLD named REV:PATH; a file that is new at REV (an
# empty OLD, said on stderr, not with -q); a revision git does not know, a
# folder outside any repository, no git at all, wrong operands; roll-back,
# graph and SARIF (which never points into REV:PATH).
# Usage: base-git.sh BUILD-DIR
build=${1:-build}
bin=$(cd "$build" && pwd)/snipeproof
if ! command -v git >/dev/null 2>&1; then
  echo "base-git: skipped: git is not installed"
  exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -s "$tmp/err" ] && sed -n 1,5p "$tmp/err" | sed 's/^/  stderr: /'; }
# run WHERE ARGS...: status in $st, stdout in $tmp/out, stderr in $tmp/err
run() { where=$1; shift; (cd "$where" && "$bin" "$@" >"$tmp/out" 2>"$tmp/err"); st=$?; }

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
       GIT_COMMITTER_EMAIL=t@example.org GIT_CONFIG_NOSYSTEM=1 HOME="$tmp"
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

# Templates: OLD keeps SSH to the office in the security group; NEW opens
# it and adds network ACL entries that should have gone first.
common='Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Gateway:
    Type: AWS::EC2::InternetGateway
  Attachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Gateway}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, MapPublicIpOnLaunch: true}
  Acl:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: !Ref Vpc}
  AclAssociation:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties: {SubnetId: !Ref Subnet, NetworkAclId: !Ref Acl}
  AllowIn:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 200, Protocol: -1, RuleAction: allow, Egress: false, CidrBlock: 0.0.0.0/0}'
old="$common
  WebGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 198.51.100.0/24}
  Web:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-1, SubnetId: !Ref Subnet, SecurityGroupIds: [!Ref WebGroup]}"
new="$common
  NoSsh:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, PortRange: {From: 22, To: 22}, RuleAction: deny, Egress: false, CidrBlock: 0.0.0.0/0}
  SshOffice:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 90, Protocol: 6, PortRange: {From: 22, To: 22}, RuleAction: allow, Egress: false, CidrBlock: 198.51.100.0/24}
  WebGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
  Web:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-1, InstanceType: t3.small, SubnetId: !Ref Subnet, SecurityGroupIds: [!Ref WebGroup]}"

repo="$tmp/my repo"   # a space in the path, on purpose
mkdir -p "$repo/stacks/web" "$tmp/outside"
git init -q -b main "$repo" 2>/dev/null || { git init -q "$repo" && git -C "$repo" checkout -q -b main; }
printf '%s\n' "$old" >"$repo/stacks/web/template.yaml"
git -C "$repo" add . && git -C "$repo" commit -qm "old"
printf '%s\n' "$new" >"$repo/stacks/web/template.yaml"
printf '%s\n' "$old" >"$tmp/outside/old.yaml"

# 1. The same report as with OLD as a file, which is named REV:PATH.
run "$repo" check stacks/web/template.yaml --base HEAD
cp "$tmp/out" "$tmp/base.txt"; bst=$st
run "$repo" check "$tmp/outside/old.yaml" stacks/web/template.yaml
sed "s|^$tmp/outside/old.yaml:|HEAD:stacks/web/template.yaml:|" "$tmp/out" >"$tmp/file.txt"
mv "$tmp/file.txt" "$tmp/out"
if [ $bst = 1 ] && [ $st = 1 ] && cmp -s "$tmp/base.txt" "$tmp/out" && [ ! -s "$tmp/err" ] &&
   grep -q '^HEAD:stacks/web/template.yaml:29:3: exposure window: Web (old)' "$tmp/base.txt"; then ok; else
  bad "check --base HEAD differs from check OLD NEW (status $bst/$st)"; diff "$tmp/base.txt" "$tmp/out" | head -5; fi

# 2. From a subfolder, and from outside the repository: NEW's folder
#    decides the repository and the path.
run "$repo/stacks/web" check --format json --base HEAD template.yaml
[ $st = 1 ] && [ "$(jq '.summary.windows' "$tmp/out")" = 2 ] && ok || bad "--base from a subfolder (status $st)"
run "$tmp/outside" check --format json --base main "$repo/stacks/web/template.yaml"
[ $st = 1 ] && [ "$(jq '.summary.windows' "$tmp/out")" = 2 ] && ok || bad "--base from outside the repository (status $st)"

# 3. A remote branch, as CI has it (origin/main).
git clone -q "$repo" "$tmp/clone"
printf '%s\n' "$new" >"$tmp/clone/stacks/web/template.yaml"
run "$tmp/clone" check -q --base origin/main stacks/web/template.yaml
[ $st = 1 ] && grep -q 'exposure window: Web (new)' "$tmp/out" && ok || bad "--base origin/main (status $st)"

# 4. An error in OLD at REV is named REV:PATH, with its position.
git -C "$repo" checkout -q -b broken
printf 'Resources:\n  Web:\n    Type: [AWS::EC2::Instance\n' >"$repo/stacks/web/template.yaml"
git -C "$repo" commit -qam "broken"
git -C "$repo" checkout -q main
printf '%s\n' "$new" >"$repo/stacks/web/template.yaml"
run "$repo" check --base broken stacks/web/template.yaml
if [ $st = 2 ] && [ ! -s "$tmp/out" ] && grep -q '^broken:stacks/web/template.yaml:4:1: error: ' "$tmp/err"; then ok; else
  bad "an error in OLD at REV is not named REV:PATH:LINE:COL (status $st)"; fi

# 5. A template that is new at REV: an empty OLD, said on stderr (not with -q).
cp "$repo/stacks/web/template.yaml" "$repo/stacks/web/added.yaml"
run "$repo" check --format json --base HEAD stacks/web/added.yaml
cp "$tmp/out" "$tmp/added.json"
if [ $st = 1 ] && grep -q "snipeproof: check: 'stacks/web/added.yaml' does not exist at HEAD: OLD is empty (a new template)" "$tmp/err"
then ok; else bad "a template new at REV (status $st)"; fi
run "$repo" check --format json '' stacks/web/added.yaml
cmp -s "$tmp/out" "$tmp/added.json" && ok || bad "a template new at REV is not checked against an empty OLD"
run "$repo" check -q --base HEAD stacks/web/added.yaml
[ $st = 1 ] && [ ! -s "$tmp/err" ] && ok || bad "-q still says that OLD is empty"
rm "$repo/stacks/web/added.yaml"

# 6. Usage and environment errors: exit 2, a message, nothing on stdout.
expect_error() { # NAME PATTERN
  if [ $st = 2 ] && [ ! -s "$tmp/out" ] && grep -q "$2" "$tmp/err"; then ok; else bad "$1 (status $st)"; fi
}
run "$repo" check --base no-such-branch stacks/web/template.yaml
expect_error "unknown revision" "git knows no revision 'no-such-branch'"
run "$tmp/outside" check --base HEAD old.yaml
expect_error "outside a repository" "is not in a git repository"
run "$repo" check --base HEAD "$tmp/outside/old.yaml" stacks/web/template.yaml
expect_error "two operands" "with --base, give NEW only"
run "$repo" check --base HEAD
expect_error "no operand" "missing operand: with --base, give NEW"
run "$repo" check --base HEAD stacks/
expect_error "a folder as NEW" "NEW must be a file"
run "$repo" check --base HEAD:stacks stacks/web/template.yaml
expect_error "a revision that is a path" "git knows no revision"
mkdir -p "$tmp/nogit"
(cd "$repo" && PATH="$tmp/nogit" "$bin" check --base HEAD stacks/web/template.yaml >"$tmp/out" 2>"$tmp/err"); st=$?
expect_error "no git" "needs git"
run "$repo" apply --base HEAD stacks/web/template.yaml
expect_error "a command without --base" "option '--base' does not apply to 'apply'"

# 7. Roll-back, plan and graph take --base too.
run "$repo" check --rollback --format json --base HEAD stacks/web/template.yaml
[ $st = 1 ] && [ "$(jq 'length' "$tmp/out")" = 2 ] && ok || bad "check --rollback --base (status $st)"
run "$repo" plan --base HEAD stacks/web/template.yaml
[ $st = 0 ] && grep -q . "$tmp/out" && ok || bad "plan --base (status $st)"
run "$repo" graph --base HEAD stacks/web/template.yaml
if [ $st = 0 ] && grep -q 'label="OLD: HEAD:stacks/web/template.yaml"' "$tmp/out" &&
   grep -q 'label="NEW: stacks/web/template.yaml"' "$tmp/out"; then ok; else bad "graph --base (status $st)"; fi

# 8. SARIF never points into REV:PATH: an old instance's result is located
#    at the component in NEW; fixes edit NEW.
run "$repo" check --format sarif --base HEAD stacks/web/template.yaml
uris=$(jq -r '[.runs[0].results[] | .locations[0].physicalLocation.artifactLocation.uri,
              (.fixes // [] | .[].artifactChanges[].artifactLocation.uri)] | unique | join(" ")' "$tmp/out")
insts=$(jq -r '[.runs[0].results[].properties.instance] | sort | join(" ")' "$tmp/out")
if [ $st = 1 ] && [ "$uris" = "stacks/web/template.yaml" ] && [ "$insts" = "new old" ]; then ok; else
  bad "SARIF with --base: uris '$uris', instances '$insts' (status $st)"; fi

# 9. The pre-commit hook (.pre-commit-hooks.yaml, scripts/pre-commit-snipeproof)
#    checks staged templates against HEAD, skips other files, and works
#    before the first commit.
root=$(cd "$(dirname "$0")/../.." && pwd)
hook=$root/scripts/pre-commit-snipeproof
entry=$(sed -n 's/^  entry: //p' "$root/.pre-commit-hooks.yaml")
[ "$entry" = scripts/pre-commit-snipeproof ] && [ -x "$root/$entry" ] && ok || bad "the hook's entry '$entry' is not an executable script"
grep -q '^- id: snipeproof$' "$root/.pre-commit-hooks.yaml" && grep -q '^  language: script$' "$root/.pre-commit-hooks.yaml" && ok ||
  bad ".pre-commit-hooks.yaml lacks id or language"
printf 'repos: []\nname: not a template\n' >"$repo/.pre-commit-config.yaml"
(cd "$repo" && SNIPEPROOF="$bin" "$hook" .pre-commit-config.yaml stacks/web/template.yaml >"$tmp/out" 2>"$tmp/err"); st=$?
if [ $st = 1 ] && grep -q 'exposure window: Web (new)' "$tmp/out" && ! grep -q 'pre-commit-config' "$tmp/out" "$tmp/err"; then ok; else
  bad "the hook on a template with windows (status $st)"; fi
(cd "$repo" && SNIPEPROOF="$bin" "$hook" --param Unused=1 .pre-commit-config.yaml >"$tmp/out" 2>"$tmp/err"); st=$?
[ $st = 0 ] && [ ! -s "$tmp/out" ] && ok || bad "the hook on files that are not templates (status $st)"
git -C "$repo" add stacks/web/template.yaml && git -C "$repo" commit -qm "new"
(cd "$repo" && SNIPEPROOF="$bin" "$hook" stacks/web/template.yaml >"$tmp/out" 2>"$tmp/err"); st=$?
[ $st = 0 ] && ok || bad "the hook on a template equal to HEAD's (status $st)"
git init -q "$tmp/fresh" 2>/dev/null
printf 'Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n' >"$tmp/fresh/template.yaml"
(cd "$tmp/fresh" && SNIPEPROOF="$bin" "$hook" template.yaml >"$tmp/out" 2>"$tmp/err"); st=$?
[ $st = 0 ] && [ ! -s "$tmp/err" ] && ok || bad "the hook before the first commit (status $st)"
(cd "$repo" && SNIPEPROOF="$tmp/nogit/snipeproof" "$hook" stacks/web/template.yaml >"$tmp/out" 2>"$tmp/err"); st=$?
[ $st = 1 ] && grep -q 'is not installed' "$tmp/err" && ok || bad "the hook without snipeproof (status $st)"

echo "base-git: $pass passed, $fail failed"
[ $fail = 0 ]
