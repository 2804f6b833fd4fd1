/* Unit tests of the roles (src/frontend/cfn/roles*.c): small templates per
 * type family go through the CloudFormation front-end with the built-in
 * catalogue, and the facts of the model dump are checked line by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frontend/frontend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dump_of(const char *old_text, const char *new_text, bool expect_ok)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_frontend_options opt;
    memset(&opt, 0, sizeof opt);
    const sp_doc *docs[2] = {NULL, NULL};
    const char *texts[2] = {old_text, new_text};
    for (int i = 0; i < 2; i++) {
        if (!texts[i])
            continue;
        uint32_t src = sp_source_add(&ctx, i ? "new.yaml" : "old.yaml", texts[i],
                                     strlen(texts[i]));
        docs[i] = sp_read_document(&ctx, src);
        assert_non_null(docs[i]);
    }
    sp_model m;
    bool ok = sp_cfn_load(&ctx, &opt, docs[0], docs[1], &m);
    for (size_t i = 0; i < ctx.diags.len; i++)
        if (ctx.diags.items[i].severity == SP_SEV_ERROR)
            fprintf(stderr, "  diag: %u:%u: %s\n", ctx.diags.items[i].line,
                    ctx.diags.items[i].column, ctx.diags.items[i].message);
    assert_true(ok == expect_ok);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    if (ok)
        sp_model_dump(&m, NULL, out);
    fclose(out);
    sp_ctx_release(&ctx);
    return buf;
}

static char *facts(const char *text)
{
    return dump_of(NULL, text, true);
}

/* `line` (a fact without its leading spaces) is in the dump. */
static void has(const char *dump, const char *line)
{
    const char *p = dump;
    size_t n = strlen(line);
    while ((p = strstr(p, line))) {
        if ((p == dump || p[-1] == ' ') && (p[n] == '\n' || p[n] == ' ' || p[n] == '\0'))
            return;
        p++;
    }
    fprintf(stderr, "%s", dump);
    fail_msg("missing fact:\n  %s", line);
}

static void hasnt(const char *dump, const char *text)
{
    if (strstr(dump, text)) {
        fprintf(stderr, "%s", dump);
        fail_msg("unexpected:\n  %s", text);
    }
}

/* Every IP protocol (0-255), as the dump renders it. */
#define IPP "proto=any IP protocol"

#define VPC                                                                                   \
    "  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}\n"                   \
    "  Igw: {Type: AWS::EC2::InternetGateway}\n"                                             \
    "  Attach:\n"                                                                            \
    "    Type: AWS::EC2::VPCGatewayAttachment\n"                                             \
    "    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw}\n"                       \
    "  Pub:\n"                                                                               \
    "    Type: AWS::EC2::Subnet\n"                                                           \
    "    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, MapPublicIpOnLaunch: true}\n" \
    "  Priv:\n"                                                                              \
    "    Type: AWS::EC2::Subnet\n"                                                           \
    "    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24}\n"

/* ---- networks ---- */

static void vpc_path(void **state)
{
    (void)state;
    char *d = facts("Parameters: {OtherVpc: {Type: String}}\nResources:\n" VPC
                    "  Loose:\n"
                    "    Type: AWS::EC2::Subnet\n"
                    "    Properties: {VpcId: !Ref OtherVpc, CidrBlock: 10.9.0.0/24}\n");
    has(d, "edge internet -> Igw {src=0.0.0.0/0, ::/0 " IPP "} (public endpoint)");
    has(d, "accepts {} (passes requests on; accepts none itself)");
    has(d, "edge Igw -> Vpc {src=0.0.0.0/0, ::/0 " IPP "} (internet gateway attached to the "
           "VPC)");
    has(d, "slot Pub.nacl (empty allows)");
    has(d, "edge Vpc -> Pub {all} through Pub.nacl (subnet of the network)");
    has(d, "edge internet -> Loose {src=0.0.0.0/0, ::/0 " IPP "} through Loose.nacl (network "
           "not in the template: assumed attached to an internet gateway)");
    free(d);
}

static void security_groups(void **state)
{
    (void)state;
    char *d = facts(
        "Resources:\n"
        "  Other: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: o}}\n"
        "  Sg:\n"
        "    Type: AWS::EC2::SecurityGroup\n"
        "    Properties:\n"
        "      GroupDescription: web\n"
        "      SecurityGroupIngress:\n"
        "        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8}\n"
        "        - {IpProtocol: udp, FromPort: 1000, ToPort: 2000, CidrIp: 192.0.2.0/24}\n"
        "        - {IpProtocol: icmp, FromPort: 8, ToPort: -1, CidrIp: 0.0.0.0/0}\n"
        "        - {IpProtocol: '6', FromPort: 443, ToPort: 443, CidrIpv6: '2001:db8::/32'}\n"
        "        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: "
        "!Ref Other}\n"
        "        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, SourcePrefixListId: pl-123}\n"
        "        - {IpProtocol: tcp, FromPort: 25, ToPort: 25}\n"
        "  Extra:\n"
        "    Type: AWS::EC2::SecurityGroupIngress\n"
        "    Properties: {GroupId: !Ref Sg, IpProtocol: tcp, FromPort: 3389, ToPort: 3389, "
        "CidrIp: 198.51.100.7/32}\n"
        "  Out:\n"
        "    Type: AWS::EC2::SecurityGroupEgress\n"
        "    Properties: {GroupId: !GetAtt Sg.GroupId, IpProtocol: tcp, FromPort: 443, ToPort: "
        "443, CidrIp: 0.0.0.0/0}\n"
        "  Elsewhere:\n"
        "    Type: AWS::EC2::SecurityGroupIngress\n"
        "    Properties: {GroupId: sg-0123, IpProtocol: tcp, FromPort: 1, ToPort: 1, CidrIp: "
        "0.0.0.0/0}\n");
    has(d, "guard Sg.ingress default deny");
    has(d, "rule Sg.ingress priority 0 allow {src=10.0.0.0/8 proto=tcp port=22}");
    has(d, "rule Sg.ingress priority 0 allow {src=192.0.2.0/24 proto=udp port=1000-2000}");
    /* ICMP type 8 (echo), every code: type*256 + code */
    has(d, "rule Sg.ingress priority 0 allow {src=0.0.0.0/0 proto=icmp port=2048-2303}");
    has(d, "rule Sg.ingress priority 0 allow {src=2001:db8::/32 proto=tcp port=443}");
    has(d, "rule Sg.ingress priority 0 allow {src=sg:Other proto=tcp port=5432}");
    has(d, "rule Sg.ingress priority 0 allow {src=0.0.0.0/0, ::/0 proto=tcp port=80} (ingress "
           "from a prefix list (its entries are not known: every address) tcp 80)");
    hasnt(d, "port=25}");
    /* no egress rules inline: the default rule */
    has(d, "rule Sg.egress priority 0 allow {all} (default egress rule: all outbound traffic)");
    /* rule resources go into the group's guards */
    has(d, "rule Sg.ingress priority 0 allow {src=198.51.100.7/32 proto=tcp port=3389}");
    has(d, "rule Sg.egress priority 0 allow {dst=0.0.0.0/0 proto=tcp port=443}");
    hasnt(d, "port=1}");
    free(d);
}

static void network_acls(void **state)
{
    (void)state;
    char *d = facts("Resources:\n" VPC
                    "  Acl: {Type: AWS::EC2::NetworkAcl, Properties: {VpcId: !Ref Vpc}}\n"
                    "  A100:\n"
                    "    Type: AWS::EC2::NetworkAclEntry\n"
                    "    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: -1, "
                    "RuleAction: allow, CidrBlock: 0.0.0.0/0}\n"
                    "  D50:\n"
                    "    Type: AWS::EC2::NetworkAclEntry\n"
                    "    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 50, Protocol: 6, "
                    "RuleAction: deny, CidrBlock: 0.0.0.0/0, PortRange: {From: 22, To: 23}}\n"
                    "  E10:\n"
                    "    Type: AWS::EC2::NetworkAclEntry\n"
                    "    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 10, Protocol: 1, "
                    "Egress: true, RuleAction: allow, CidrBlock: 10.0.0.0/8, Icmp: {Type: 0, "
                    "Code: 0}}\n"
                    "  Assoc:\n"
                    "    Type: AWS::EC2::SubnetNetworkAclAssociation\n"
                    "    Properties: {SubnetId: !Ref Pub, NetworkAclId: !Ref Acl}\n");
    has(d, "guard Acl.ingress default deny");
    has(d, "guard Acl.egress default deny");
    has(d, "rule Acl.ingress priority 50 deny {src=0.0.0.0/0 proto=tcp port=22-23}");
    has(d, "rule Acl.egress priority 10 allow {dst=10.0.0.0/8 proto=icmp port=0}");
    has(d, "attach Pub.nacl <- Acl.ingress");
    hasnt(d, "rule Acl.egress priority 50 ");
    hasnt(d, "rule Acl.ingress priority 10 ");
    free(d);
}

static void instances_public_or_not(void **state)
{
    (void)state;
    char *d = facts(
        "Parameters: {SubnetParam: {Type: String}}\nResources:\n" VPC
        "  Sg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: s, VpcId: !Ref "
        "Vpc}}\n"
        "  InPub:\n"
        "    Type: AWS::EC2::Instance\n"
        "    Properties: {ImageId: ami-1, SubnetId: !Ref Pub, SecurityGroupIds: [!Ref Sg]}\n"
        "  InPriv:\n"
        "    Type: AWS::EC2::Instance\n"
        "    Properties: {ImageId: ami-1, SubnetId: !Ref Priv, SecurityGroupIds: [!Ref Sg]}\n"
        "  ExplicitOff:\n"
        "    Type: AWS::EC2::Instance\n"
        "    Properties:\n"
        "      ImageId: ami-1\n"
        "      NetworkInterfaces:\n"
        "        - {DeviceIndex: '0', SubnetId: !Ref Pub, AssociatePublicIpAddress: false, "
        "GroupSet: [!Ref Sg]}\n"
        "  ExplicitOn:\n"
        "    Type: AWS::EC2::Instance\n"
        "    Properties:\n"
        "      ImageId: ami-1\n"
        "      NetworkInterfaces:\n"
        "        - {DeviceIndex: '0', SubnetId: !Ref Priv, AssociatePublicIpAddress: true, "
        "GroupSet: [sg-outside]}\n"
        "  InParam:\n"
        "    Type: AWS::EC2::Instance\n"
        "    Properties: {ImageId: ami-1, SubnetId: !Ref SubnetParam}\n"
        "  InDefaultVpc:\n"
        "    Type: AWS::EC2::Instance\n"
        "    Properties: {ImageId: ami-1}\n"
        "  Eip:\n"
        "    Type: AWS::EC2::EIP\n"
        "    Properties: {InstanceId: !Ref InPriv}\n"
        "  Six:\n"
        "    Type: AWS::EC2::Instance\n"
        "    Properties: {ImageId: ami-1, SubnetId: !Ref Priv, Ipv6AddressCount: 1}\n");
    has(d, "slot InPub.sg (empty denies)");
    has(d, "attach InPub.sg <- Sg.ingress (security group Sg)");
    has(d, "edge Pub -> InPub {src=0.0.0.0/0 " IPP "} through InPub.sg (public address)");
    hasnt(d, "-> InPriv {all} through InPriv.sg (public address)");
    hasnt(d, "-> ExplicitOff ");
    has(d, "edge Priv -> ExplicitOn {src=0.0.0.0/0 " IPP "} through ExplicitOn.sg (public "
           "address)");
    has(d, "guard ExplicitOn.external-sg default allow (security group outside the template: "
           "assumed to allow everything)");
    has(d, "attach ExplicitOn.sg <- ExplicitOn.external-sg");
    /* a subnet passed as a parameter is taken not to map public addresses */
    hasnt(d, "-> InParam ");
    has(d, "edge internet -> InDefaultVpc {src=0.0.0.0/0 " IPP "} through InDefaultVpc.sg "
           "(public address (no subnet: default VPC, whose subnets map public addresses); no "
           "subnet in the template)");
    /* the Elastic IP gives InPriv its public address, through its groups */
    has(d, "edge Priv -> InPriv {src=0.0.0.0/0 " IPP "} through InPriv.sg (public address "
           "from Eip)");
    has(d, "edge Priv -> Six {src=::/0 " IPP "} through Six.sg (IPv6 address (globally "
           "routable))");
    free(d);
}

static void load_balancer_chain(void **state)
{
    (void)state;
    char *d = facts(
        "Resources:\n" VPC
        "  LbSg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: lb}}\n"
        "  WebSg:\n"
        "    Type: AWS::EC2::SecurityGroup\n"
        "    Properties:\n"
        "      GroupDescription: web\n"
        "      SecurityGroupIngress:\n"
        "        - {IpProtocol: tcp, FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: !Ref "
        "LbSg}\n"
        "  Web:\n"
        "    Type: AWS::EC2::Instance\n"
        "    Properties: {ImageId: ami-1, SubnetId: !Ref Priv, SecurityGroupIds: [!Ref WebSg]}\n"
        "  Alb:\n"
        "    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n"
        "    Properties: {Subnets: [!Ref Pub], SecurityGroups: [!Ref LbSg]}\n"
        "  Tg:\n"
        "    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n"
        "    Properties: {Port: 8080, Protocol: HTTP, VpcId: !Ref Vpc, Targets: [{Id: !Ref "
        "Web}]}\n"
        "  Http:\n"
        "    Type: AWS::ElasticLoadBalancingV2::Listener\n"
        "    Properties:\n"
        "      LoadBalancerArn: !Ref Alb\n"
        "      Port: 80\n"
        "      Protocol: HTTP\n"
        "      DefaultActions: [{Type: forward, TargetGroupArn: !Ref Tg}]\n"
        "  Internal:\n"
        "    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n"
        "    Properties: {Scheme: internal, IpAddressType: dualstack, Subnets: [!Ref Priv]}\n"
        "  Dual:\n"
        "    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n"
        "    Properties: {IpAddressType: dualstack, Subnets: [!Ref Pub]}\n");
    has(d, "edge Pub -> Alb {src=0.0.0.0/0 " IPP "} through Alb.sg (public address (by "
           "default))");
    has(d, "slot Alb.sg (empty denies)");
    hasnt(d, "-> Internal ");
    has(d, "edge Pub -> Dual {src=0.0.0.0/0, ::/0 " IPP "} through Dual.sg (public address (by "
           "default) and an IPv6 address)");
    has(d, "edge Alb -> Http {proto=tcp port=80} (listener HTTP 80)");
    has(d, "edge Http -> Tg {all} (forwards)");
    /* the balancer forwards from its security group (and private addresses) */
    const char *p = strstr(d, "edge Tg -> Web {all} reissue as {src=");
    assert_non_null(p);
    const char *eol = strchr(p, '\n');
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)(eol - p), p);
    assert_non_null(strstr(line, "sg:LbSg"));
    assert_non_null(strstr(line, "10.0.0.0/8"));
    assert_non_null(strstr(line, "proto=tcp port=8080}"));
    assert_non_null(strstr(line, "through Web.sg"));
    free(d);
}

/* ---- API Gateway ---- */

#define API_BASE                                                                            \
    "  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: a}}\n"                     \
    "  Fn:\n"                                                                              \
    "    Type: AWS::Lambda::Function\n"                                                    \
    "    Properties: {Runtime: python3.12, Handler: i.h, Role: arn:aws:iam::1:role/r, "    \
    "Code: {ZipFile: x}}\n"                                                                \
    "  Authz:\n"                                                                           \
    "    Type: AWS::ApiGateway::Authorizer\n"                                              \
    "    Properties:\n"                                                                    \
    "      RestApiId: !Ref Api\n"                                                          \
    "      Name: t\n"                                                                      \
    "      Type: TOKEN\n"                                                                  \
    "      AuthorizerUri: !Sub "                                                           \
    "'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/"       \
    "invocations'\n"

#define METHOD(name, auth)                                                                   \
    "  " name ":\n"                                                                        \
    "    Type: AWS::ApiGateway::Method\n"                                                  \
    "    Properties:\n"                                                                    \
    "      RestApiId: !Ref Api\n"                                                          \
    "      ResourceId: !GetAtt Api.RootResourceId\n"                                       \
    "      HttpMethod: GET\n" auth "      Integration:\n"                                  \
    "        Type: AWS_PROXY\n"                                                            \
    "        Uri: !Join ['', ['arn:aws:apigateway:', !Ref 'AWS::Region', "                 \
    "':lambda:path/2015-03-31/functions/', !GetAtt Fn.Arn, '/invocations']]\n"

static void api_methods(void **state)
{
    (void)state;
    char *d = facts("Resources:\n" API_BASE METHOD("Open", "      AuthorizationType: NONE\n")
                        METHOD("Iam", "      AuthorizationType: AWS_IAM\n")
                            METHOD("Custom", "      AuthorizationType: CUSTOM\n"
                                             "      AuthorizerId: !Ref Authz\n"
                                             "      ApiKeyRequired: true\n")
                                "  Creds:\n"
                                "    Type: AWS::ApiGateway::Method\n"
                                "    Properties:\n"
                                "      RestApiId: !Ref Api\n"
                                "      ResourceId: !GetAtt Api.RootResourceId\n"
                                "      HttpMethod: POST\n"
                                "      AuthorizationType: NONE\n"
                                "      Integration:\n"
                                "        Type: AWS\n"
                                "        Credentials: arn:aws:iam::1:role/apigw\n"
                                "        Uri: !Sub "
                                "'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
                                "functions/${Fn.Arn}/invocations'\n"
                                "  Perm:\n"
                                "    Type: AWS::Lambda::Permission\n"
                                "    Properties: {FunctionName: !Ref Fn, Action: "
                                "lambda:InvokeFunction, Principal: apigateway.amazonaws.com}\n");
    has(d, "slot Api.access (empty allows)");
    has(d, "edge internet -> Api {proto=tcp port=443} through Api.access (public endpoint)");
    has(d, "edge Api -> Open {all} (AuthorizationType NONE: no credential needed)");
    has(d, "edge Api -> Iam {cred=iam} (AuthorizationType AWS_IAM: a signed IAM request)");
    has(d, "edge Api -> Custom {cred=authorizer:Authz} (AuthorizationType CUSTOM: the "
           "authorizer's credential; API key required (not an authorization))");
    has(d, "edge Open -> Fn {all} reissue as {src=apigateway.amazonaws.com proto=api "
           "port=lambda:InvokeFunction} through Fn.access (integration (as "
           "apigateway.amazonaws.com))");
    has(d, "edge Creds -> Fn {all} (integration (with the credentials of a role))");
    /* the authorizer function is invoked by the API for any caller */
    has(d, "edge Api -> Fn {all} reissue as {src=apigateway.amazonaws.com proto=api "
           "port=lambda:InvokeFunction} through Fn.access (the API invokes its authorizer (as "
           "apigateway.amazonaws.com))");
    has(d, "rule Fn.policy priority 1 allow {src=apigateway.amazonaws.com proto=api "
           "port=lambda:InvokeFunction} (permission: apigateway.amazonaws.com may "
           "lambda:InvokeFunction)");
    free(d);
}

static void rest_api_policy_and_private(void **state)
{
    (void)state;
    char *d = facts(
        "Resources:\n"
        "  Priv:\n"
        "    Type: AWS::ApiGateway::RestApi\n"
        "    Properties: {Name: p, EndpointConfiguration: {Types: [PRIVATE]}}\n"
        "  Limited:\n"
        "    Type: AWS::ApiGateway::RestApi\n"
        "    Properties:\n"
        "      Name: l\n"
        "      Policy:\n"
        "        Statement:\n"
        "          - {Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: "
        "'*', Condition: {IpAddress: {'aws:SourceIp': [203.0.113.0/24]}}}\n"
        "          - {Effect: Allow, Principal: '*', Action: 'execute-api:ManageConnections', "
        "Resource: '*'}\n");
    hasnt(d, "-> Priv ");
    has(d, "guard Limited.policy default deny");
    has(d, "rule Limited.policy priority 1 allow {src=203.0.113.0/24} (statement 1 Allow from "
           "listed addresses)");
    hasnt(d, "statement 2");
    has(d, "edge internet -> Limited {proto=tcp port=443} through Limited.access");
    free(d);
}

static void api_v2(void **state)
{
    (void)state;
    char *d = facts(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties: {Runtime: python3.12, Handler: i.h, Role: r, Code: {ZipFile: x}}\n"
        "  Http: {Type: AWS::ApiGatewayV2::Api, Properties: {Name: h, ProtocolType: HTTP}}\n"
        "  Quick:\n"
        "    Type: AWS::ApiGatewayV2::Api\n"
        "    Properties: {Name: q, ProtocolType: HTTP, Target: !GetAtt Fn.Arn}\n"
        "  Integ:\n"
        "    Type: AWS::ApiGatewayV2::Integration\n"
        "    Properties: {ApiId: !Ref Http, IntegrationType: AWS_PROXY, IntegrationUri: "
        "!GetAtt Fn.Arn, PayloadFormatVersion: '2.0'}\n"
        "  Jwt:\n"
        "    Type: AWS::ApiGatewayV2::Authorizer\n"
        "    Properties: {ApiId: !Ref Http, AuthorizerType: JWT, Name: j, IdentitySource: "
        "['$request.header.Authorization']}\n"
        "  Default:\n"
        "    Type: AWS::ApiGatewayV2::Route\n"
        "    Properties: {ApiId: !Ref Http, RouteKey: '$default', Target: !Join [/, "
        "[integrations, !Ref Integ]]}\n"
        "  Secure:\n"
        "    Type: AWS::ApiGatewayV2::Route\n"
        "    Properties: {ApiId: !Ref Http, RouteKey: 'GET /x', AuthorizationType: JWT, "
        "AuthorizerId: !Ref Jwt, Target: !Sub 'integrations/${Integ}'}\n");
    has(d, "edge internet -> Http {proto=tcp port=443} (public endpoint)");
    has(d, "edge Quick -> Fn {all} reissue as {src=apigateway.amazonaws.com proto=api "
           "port=lambda:InvokeFunction} through Fn.access (forwards (as "
           "apigateway.amazonaws.com))");
    has(d, "edge Http -> Default {all} (AuthorizationType NONE: no credential needed)");
    has(d, "edge Default -> Integ {all} (integration)");
    has(d, "edge Http -> Secure {cred=authorizer:Jwt} (AuthorizationType JWT: the authorizer's "
           "credential)");
    has(d, "edge Integ -> Fn {all} reissue as {src=apigateway.amazonaws.com proto=api "
           "port=lambda:InvokeFunction} through Fn.access");
    free(d);
}

/* ---- Lambda ---- */

static void lambda_permissions_and_urls(void **state)
{
    (void)state;
    char *d = facts(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties: {Runtime: python3.12, Handler: i.h, Role: r, Code: {ZipFile: x}}\n"
        "  Live: {Type: AWS::Lambda::Alias, Properties: {FunctionName: !Ref Fn, "
        "FunctionVersion: '1', Name: live}}\n"
        "  Acct: {Type: AWS::Lambda::Permission, Properties: {FunctionName: !GetAtt Fn.Arn, "
        "Action: 'lambda:InvokeFunction', Principal: '123456789012'}}\n"
        "  Anyone: {Type: AWS::Lambda::Permission, Properties: {FunctionName: !Ref Live, "
        "Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: NONE}}\n"
        "  All: {Type: AWS::Lambda::Permission, Properties: {FunctionName: !Ref Fn, Action: "
        "'lambda:*', Principal: 'arn:aws:iam::123456789012:root'}}\n"
        "  Url: {Type: AWS::Lambda::Url, Properties: {TargetFunctionArn: !Ref Live, AuthType: "
        "NONE}}\n"
        "  IamUrl: {Type: AWS::Lambda::Url, Properties: {TargetFunctionArn: !GetAtt Fn.Arn, "
        "AuthType: AWS_IAM}}\n");
    has(d, "edge internet -> Fn {proto=api} through Fn.access (AWS API call (the resource "
           "policy decides))");
    has(d, "edge Live -> Fn {all} (passes requests on)");
    has(d, "rule Fn.policy priority 1 allow {src=aws:123456789012 proto=api "
           "port=lambda:InvokeFunction}");
    has(d, "rule Live.policy priority 1 allow {proto=api port=lambda:InvokeFunctionUrl} "
           "(permission: anyone may lambda:InvokeFunctionUrl)");
    /* lambda:* expands to the vocabulary of the catalogue */
    const char *p = strstr(d, "rule Fn.policy priority 1 allow {src=aws:123456789012 proto=api "
                              "port=lambda:InvokeFunction, lambda:InvokeFunctionUrl");
    assert_non_null(p);
    /* a public URL needs both actions (URLs created since October 2025) */
    has(d, "edge internet -> Url {proto=tcp port=443} reissue as {src=0.0.0.0/0, ::/0 "
           "proto=api port=lambda:InvokeFunctionUrl} through Live.access");
    has(d, "edge Url -> Live {all} reissue as {src=0.0.0.0/0, ::/0 proto=api "
           "port=lambda:InvokeFunction} through Live.access");
    has(d, "edge internet -> IamUrl {cred=iam proto=tcp port=443} (function URL, AuthType "
           "AWS_IAM: a signed IAM request)");
    has(d, "edge IamUrl -> Fn {all} (invokes the function)");
    free(d);
}

/* ---- S3, DNS, CloudFront ---- */

static void bucket_policies_and_acls(void **state)
{
    (void)state;
    char *d = facts(
        "Resources:\n"
        "  Site:\n"
        "    Type: AWS::S3::Bucket\n"
        "    Properties:\n"
        "      BucketName: www.example.com\n"
        "      AccessControl: PublicRead\n"
        "      WebsiteConfiguration: {IndexDocument: index.html}\n"
        "  Locked:\n"
        "    Type: AWS::S3::Bucket\n"
        "    Properties:\n"
        "      AccessControl: PublicRead\n"
        "      OwnershipControls: {Rules: [{ObjectOwnership: BucketOwnerEnforced}]}\n"
        "      PublicAccessBlockConfiguration: {RestrictPublicBuckets: true}\n"
        "      WebsiteConfiguration: {IndexDocument: index.html}\n"
        "  Policy:\n"
        "    Type: AWS::S3::BucketPolicy\n"
        "    Properties:\n"
        "      Bucket: !Ref Site\n"
        "      PolicyDocument:\n"
        "        Statement:\n"
        "          - {Sid: Read, Effect: Allow, Principal: '*', Action: 's3:GetObject', "
        "Resource: !Sub '${Site.Arn}/*'}\n"
        "          - {Sid: NoDelete, Effect: Deny, Principal: {AWS: '111122223333'}, Action: "
        "['s3:DeleteObject'], Resource: '*'}\n"
        "          - {Sid: Tls, Effect: Deny, Principal: '*', Action: 's3:*', Resource: '*', "
        "Condition: {Bool: {'aws:SecureTransport': 'false'}}}\n"
        "          - {Sid: Office, Effect: Deny, Principal: '*', Action: 's3:PutObject', "
        "Resource: '*', Condition: {NotIpAddress: {'aws:SourceIp': 10.0.0.0/8}}}\n"
        "          - {Sid: AllBut, Effect: Allow, Principal: {AWS: !GetAtt Role.Arn}, "
        "NotAction: 's3:DeleteObject', Resource: '*'}\n"
        "  Role:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties: {AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: "
        "{Service: ec2.amazonaws.com}, Action: 'sts:AssumeRole'}]}}\n");
    has(d, "claim \"s3-bucket:www.example.com\" (s3-bucket name)");
    has(d, "claim \"s3-bucket:(generated for Locked)\" (s3-bucket generated name)");
    has(d, "edge internet -> Site {proto=api} through Site.access (S3 API (bucket policy and "
           "ACL decide))");
    has(d, "rule Site.acl priority 1 allow {proto=api port=s3:ListBucket, s3:GetObject} (ACL "
           "PublicRead: everyone may list and read)");
    has(d, "edge internet -> Site {proto=tcp port=80} reissue as {src=0.0.0.0/0, ::/0 proto=api "
           "port=s3:GetObject} through Site.access (website endpoint: anonymous HTTP reads as "
           "s3:GetObject)");
    has(d, "rule Site.policy priority 1 allow {proto=api port=s3:GetObject} (statement Read "
           "Allow)");
    has(d, "rule Site.policy priority 0 deny {src=aws:111122223333 proto=api "
           "port=s3:DeleteObject} (statement NoDelete Deny)");
    hasnt(d, "statement Tls");
    has(d, "rule Site.policy priority 0 deny {src=any address except 10.0.0.0/8 proto=api "
           "port=s3:PutObject} (statement Office Deny outside listed addresses)");
    has(d, "(statement AllBut Allow)");
    /* RestrictPublicBuckets: signed requests only, no website; ACLs disabled */
    hasnt(d, "edge internet -> Locked {proto=tcp port=80}");
    hasnt(d, "rule Locked.acl");
    has(d, "edge internet -> Locked {src=any principal proto=api} through Locked.access");
    free(d);
}

static void dns_and_claims(void **state)
{
    (void)state;
    char *d = facts(
        "Parameters: {Domain: {Type: String, Default: example.org}}\n"
        "Resources:\n"
        "  Site: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub 'www.${Domain}'}}\n"
        "  Loose: {Type: AWS::S3::Bucket}\n"
        "  Literal:\n"
        "    Type: AWS::Route53::RecordSet\n"
        "    Properties: {HostedZoneName: example.com., Name: old.example.com., Type: CNAME, "
        "TTL: '60', ResourceRecords: [old.example.com.s3-website-eu-west-1.amazonaws.com]}\n"
        "  Built:\n"
        "    Type: AWS::Route53::RecordSet\n"
        "    Properties:\n"
        "      HostedZoneName: example.org.\n"
        "      Name: cdn.example.org.\n"
        "      Type: CNAME\n"
        "      TTL: '60'\n"
        "      ResourceRecords: [!Sub '${Loose}.s3.${AWS::Region}.amazonaws.com']\n"
        "  Apex:\n"
        "    Type: AWS::Route53::RecordSetGroup\n"
        "    Properties:\n"
        "      HostedZoneName: example.org.\n"
        "      RecordSets:\n"
        "        - Name: !Sub 'www.${Domain}.'\n"
        "          Type: A\n"
        "          AliasTarget: {HostedZoneId: Z3AQBSTGFYJSTF, DNSName: "
        "s3-website-us-east-1.amazonaws.com}\n"
        "        - Name: other.example.org.\n"
        "          Type: A\n"
        "          AliasTarget: {HostedZoneId: Z2FDTNDATAQYW2, DNSName: d111.cloudfront.net}\n"
        "  Beanstalk:\n"
        "    Type: AWS::Route53::RecordSet\n"
        "    Properties: {HostedZoneName: example.org., Name: app.example.org., Type: CNAME, "
        "TTL: '60', ResourceRecords: [myapp.eu-west-1.elasticbeanstalk.com]}\n");
    has(d, "claim \"s3-bucket:www.example.org\"");
    has(d, "refer \"s3-bucket:old.example.com\" (DNS record points at s3-bucket)");
    has(d, "refer \"s3-bucket:(generated for Loose)\" (DNS record points at s3-bucket)");
    has(d, "refer \"s3-bucket:www.example.org\" (DNS record: alias to the s3-bucket endpoint "
           "named like the record)");
    hasnt(d, "cloudfront.net\"");
    has(d, "refer \"elasticbeanstalk-cname:myapp\"");
    free(d);
}

static void cloudfront_origins(void **state)
{
    (void)state;
    char *d = facts(
        "Resources:\n"
        "  Content: {Type: AWS::S3::Bucket, Properties: {BucketName: content-bucket}}\n"
        "  Oai: {Type: AWS::CloudFront::CloudFrontOriginAccessIdentity, Properties: "
        "{CloudFrontOriginAccessIdentityConfig: {Comment: c}}}\n"
        "  Policy:\n"
        "    Type: AWS::S3::BucketPolicy\n"
        "    Properties:\n"
        "      Bucket: !Ref Content\n"
        "      PolicyDocument:\n"
        "        Statement:\n"
        "          - {Effect: Allow, Principal: {CanonicalUser: !GetAtt "
        "Oai.S3CanonicalUserId}, Action: 's3:GetObject', Resource: '*'}\n"
        "  Cdn:\n"
        "    Type: AWS::CloudFront::Distribution\n"
        "    Properties:\n"
        "      DistributionConfig:\n"
        "        Enabled: true\n"
        "        Origins:\n"
        "          - Id: s3\n"
        "            DomainName: !GetAtt Content.RegionalDomainName\n"
        "            S3OriginConfig: {OriginAccessIdentity: !Sub "
        "'origin-access-identity/cloudfront/${Oai}'}\n"
        "          - Id: legacy\n"
        "            DomainName: assets-bucket.s3.amazonaws.com\n"
        "            S3OriginConfig: {}\n"
        "        DefaultCacheBehavior: {TargetOriginId: s3, ViewerProtocolPolicy: allow-all}\n"
        "  Off:\n"
        "    Type: AWS::CloudFront::Distribution\n"
        "    Properties: {DistributionConfig: {Enabled: false, Origins: []}}\n");
    has(d, "edge internet -> Cdn {proto=tcp port=80, 443} (CloudFront distribution: public HTTP "
           "and HTTPS)");
    has(d, "edge Cdn -> Content {all} reissue as {src=res:Oai proto=api port=s3:GetObject} "
           "through Content.access (origin, fetched as res:Oai)");
    has(d, "rule Content.policy priority 1 allow {src=res:Oai proto=api port=s3:GetObject}");
    has(d, "refer \"s3-bucket:content-bucket\" (CloudFront origin points at Content)");
    has(d, "refer \"s3-bucket:assets-bucket\" (CloudFront origin points at s3-bucket)");
    hasnt(d, "edge internet -> Off");
    free(d);
}

/* ---- IAM ---- */

static void iam_roles_and_policies(void **state)
{
    (void)state;
    char *d = facts(
        "Resources:\n"
        "  Data: {Type: AWS::S3::Bucket}\n"
        "  Q: {Type: AWS::SQS::Queue}\n"
        "  Role:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      AssumeRolePolicyDocument:\n"
        "        Statement:\n"
        "          - {Effect: Allow, Principal: {Service: [ec2.amazonaws.com], AWS: "
        "'arn:aws:iam::444455556666:root'}, Action: 'sts:AssumeRole'}\n"
        "      Policies:\n"
        "        - PolicyName: read\n"
        "          PolicyDocument:\n"
        "            Statement:\n"
        "              - {Effect: Allow, Action: ['s3:GetObject'], Resource: !Sub "
        "'${Data.Arn}/*'}\n"
        "              - {Effect: Allow, Action: 's3:*', Resource: '*'}\n"
        "  Send:\n"
        "    Type: AWS::IAM::Policy\n"
        "    Properties:\n"
        "      PolicyName: send\n"
        "      Roles: [!Ref Role]\n"
        "      PolicyDocument: !Sub |\n"
        "        {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sqs:SendMessage\",\n"
        "                        \"Resource\": \"${Q.Arn}\"}]}\n"
        "  Profile: {Type: AWS::IAM::InstanceProfile, Properties: {Roles: [!Ref Role]}}\n");
    has(d, "rule Role.trust priority 1 allow {src=ec2.amazonaws.com, aws:444455556666} "
           "(statement 1 Allow)");
    has(d, "edge internet -> Role {all} through Role.assume (principals that may assume the "
           "role act as it)");
    has(d, "edge Role -> Data {proto=api port=s3:GetObject} (Role's identity policy allows "
           "these actions)");
    has(d, "edge Role -> Q {proto=api port=sqs:SendMessage} (Role's identity policy allows these "
           "actions)");
    free(d);
}

static void queues_topics(void **state)
{
    (void)state;
    char *d = facts(
        "Resources:\n"
        "  Q: {Type: AWS::SQS::Queue}\n"
        "  T: {Type: AWS::SNS::Topic}\n"
        "  QP:\n"
        "    Type: AWS::SQS::QueuePolicy\n"
        "    Properties:\n"
        "      Queues: [!Ref Q]\n"
        "      PolicyDocument:\n"
        "        Statement: [{Effect: Allow, Principal: {Service: sns.amazonaws.com}, Action: "
        "'sqs:SendMessage', Resource: !GetAtt Q.Arn}]\n"
        "  Sub:\n"
        "    Type: AWS::SNS::Subscription\n"
        "    Properties: {TopicArn: !Ref T, Protocol: sqs, Endpoint: !GetAtt Q.Arn}\n");
    has(d, "rule Q.policy priority 1 allow {src=sns.amazonaws.com proto=api "
           "port=sqs:SendMessage}");
    has(d, "edge T -> Q {all} reissue as {src=sns.amazonaws.com proto=api port=sqs:SendMessage} "
           "through Q.access (the topic delivers to its subscriber (as sns.amazonaws.com))");
    free(d);
}

/* ---- databases ---- */

static void databases(void **state)
{
    (void)state;
    char *d = facts("Resources:\n" VPC
                    "  Group: {Type: AWS::RDS::DBSubnetGroup, Properties: "
                    "{DBSubnetGroupDescription: g, SubnetIds: [!Ref Pub, !Ref Priv]}}\n"
                    "  Pg:\n"
                    "    Type: AWS::RDS::DBInstance\n"
                    "    Properties: {Engine: postgres, DBInstanceClass: db.t3.micro, "
                    "DBSubnetGroupName: !Ref Group}\n"
                    "  My:\n"
                    "    Type: AWS::RDS::DBInstance\n"
                    "    Properties: {Engine: mysql, Port: '3307', PubliclyAccessible: false, "
                    "DBSubnetGroupName: !Ref Group}\n");
    /* PubliclyAccessible absent: public when the VPC has a gateway (the path decides) */
    has(d, "edge Pub -> Pg {src=0.0.0.0/0 " IPP "} through Pg.sg (public address (by "
           "default))");
    has(d, "edge Priv -> Pg {src=0.0.0.0/0 " IPP "} through Pg.sg (public address (by "
           "default))");
    has(d, "accepts {proto=tcp port=5432} (default port of engine postgres)");
    hasnt(d, "-> My ");
    has(d, "accepts {proto=tcp port=3307} (listens on its configured port)");
    free(d);
}

/* ---- SAM ---- */

static void sam_functions(void **state)
{
    (void)state;
    char *d = facts(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Api\n"
        "    Properties:\n"
        "      StageName: prod\n"
        "      Auth: {DefaultAuthorizer: Tokens, Authorizers: {Tokens: {FunctionArn: x}}}\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: i.h\n"
        "      Runtime: python3.12\n"
        "      FunctionUrlConfig: {AuthType: NONE}\n"
        "      Events:\n"
        "        Implicit: {Type: Api, Properties: {Path: /a, Method: get}}\n"
        "        Named: {Type: Api, Properties: {Path: /b, Method: get, RestApiId: !Ref Api}}\n"
        "        Open: {Type: Api, Properties: {Path: /c, Method: get, RestApiId: !Ref Api, "
        "Auth: {Authorizer: NONE}}}\n"
        "        Upload: {Type: S3, Properties: {Bucket: !Ref B, Events: 's3:ObjectCreated:*'}}\n"
        "  B: {Type: AWS::S3::Bucket}\n");
    has(d, "edge internet -> Api {proto=tcp port=443} (public endpoint)");
    /* Api events are routes of their API (named, or the one SAM
     * generates), emitted by it, with their own or its default authorizer. */
    has(d, "ServerlessRestApi AWS::Serverless::Api added");
    has(d, "edge internet -> ServerlessRestApi {proto=tcp port=443} (public endpoint)");
    has(d, "edge ServerlessRestApi -> Fn {all} (route to Fn: SAM API event without an "
           "authorizer)");
    has(d, "edge Api -> Fn {cred=authorizer:Api/Tokens} (route to Fn: SAM API event, Authorizer "
           "Tokens: its credential)");
    has(d, "edge Api -> Fn {all} (route to Fn: SAM API event, Authorizer NONE)");
    hasnt(d, "edge internet -> Fn {proto=tcp port=443} (SAM API event");
    has(d, "edge B -> Fn {all} (SAM S3 event (SAM adds the permission it needs))");
    has(d, "edge internet -> Fn {proto=tcp port=443} (function URL, AuthType NONE (SAM adds the "
           "public permissions))");
    free(d);
}

/* A change of one fact between OLD and NEW shows in both instances. */
static void old_and_new_instances(void **state)
{
    (void)state;
    const char *old_t = "Resources:\n"
                        "  Sg:\n"
                        "    Type: AWS::EC2::SecurityGroup\n"
                        "    Properties:\n"
                        "      GroupDescription: s\n"
                        "      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 80, ToPort: 80, "
                        "CidrIp: 0.0.0.0/0}]\n";
    const char *new_t = "Resources:\n"
                        "  Sg:\n"
                        "    Type: AWS::EC2::SecurityGroup\n"
                        "    Properties:\n"
                        "      GroupDescription: s\n"
                        "      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 22, ToPort: 22, "
                        "CidrIp: 0.0.0.0/0}]\n";
    char *d = dump_of(old_t, new_t, true);
    const char *o = strstr(d, "label old");
    const char *n = strstr(d, "label new");
    assert_non_null(o);
    assert_non_null(n);
    const char *p80 = strstr(d, "port=80}");
    const char *p22 = strstr(d, "port=22}");
    assert_true(o < p80 && p80 < n && n < p22);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vpc_path),
        cmocka_unit_test(security_groups),
        cmocka_unit_test(network_acls),
        cmocka_unit_test(instances_public_or_not),
        cmocka_unit_test(load_balancer_chain),
        cmocka_unit_test(api_methods),
        cmocka_unit_test(rest_api_policy_and_private),
        cmocka_unit_test(api_v2),
        cmocka_unit_test(lambda_permissions_and_urls),
        cmocka_unit_test(bucket_policies_and_acls),
        cmocka_unit_test(dns_and_claims),
        cmocka_unit_test(cloudfront_origins),
        cmocka_unit_test(iam_roles_and_policies),
        cmocka_unit_test(queues_topics),
        cmocka_unit_test(databases),
        cmocka_unit_test(sam_functions),
        cmocka_unit_test(old_and_new_instances),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
