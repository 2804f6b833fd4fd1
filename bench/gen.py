#!/usr/bin/env python3
"""Synthetic CloudFormation updates for `make bench`.

    gen.py N OUTDIR [--seed S]

Writes OUTDIR/old.json and OUTDIR/new.json with about N resources each:
networks (VPC, subnets, NACLs and entries), security groups with inline
and separate ingress rules, instances with public addresses, and Lambda
functions with URLs and permissions.  About 10% of the resources change
between old and new: rules tightened or opened, instances modified or
replaced, functions modified, URLs switched to IAM auth, resources added
and removed.  Deterministic for a given seed.
"""
import json
import random
import sys


def stack(n, rng):
    res = {}
    # One network block per ~100 resources.
    blocks = max(1, n // 100)
    per = n // blocks
    for b in range(blocks):
        p = f"B{b}"
        res[f"{p}Vpc"] = {"Type": "AWS::EC2::VPC",
                          "Properties": {"CidrBlock": f"10.{b % 250}.0.0/16"}}
        res[f"{p}Igw"] = {"Type": "AWS::EC2::InternetGateway"}
        res[f"{p}Attach"] = {"Type": "AWS::EC2::VPCGatewayAttachment",
                             "Properties": {"VpcId": {"Ref": f"{p}Vpc"},
                                            "InternetGatewayId": {"Ref": f"{p}Igw"}}}
        res[f"{p}Subnet"] = {"Type": "AWS::EC2::Subnet",
                             "Properties": {"VpcId": {"Ref": f"{p}Vpc"},
                                            "CidrBlock": f"10.{b % 250}.1.0/24",
                                            "MapPublicIpOnLaunch": True}}
        res[f"{p}Acl"] = {"Type": "AWS::EC2::NetworkAcl",
                          "Properties": {"VpcId": {"Ref": f"{p}Vpc"}}}
        res[f"{p}AclAssoc"] = {"Type": "AWS::EC2::SubnetNetworkAclAssociation",
                               "Properties": {"SubnetId": {"Ref": f"{p}Subnet"},
                                              "NetworkAclId": {"Ref": f"{p}Acl"}}}
        res[f"{p}AllowIn"] = {"Type": "AWS::EC2::NetworkAclEntry",
                              "Properties": {"NetworkAclId": {"Ref": f"{p}Acl"},
                                             "RuleNumber": 100, "Protocol": -1,
                                             "RuleAction": "allow", "Egress": False,
                                             "CidrBlock": "0.0.0.0/0"}}
        used = 7
        k = 0
        while used < per:
            q = f"{p}N{k}"
            kind = rng.random()
            if kind < 0.6:
                # A security group, one separate rule, an instance.
                res[f"{q}Sg"] = {"Type": "AWS::EC2::SecurityGroup",
                                 "Properties": {
                                     "GroupDescription": f"group {q}",
                                     "VpcId": {"Ref": f"{p}Vpc"},
                                     "SecurityGroupIngress": [
                                         {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                          "CidrIp": "0.0.0.0/0"}]}}
                res[f"{q}Rule"] = {"Type": "AWS::EC2::SecurityGroupIngress",
                                   "Properties": {"GroupId": {"Ref": f"{q}Sg"},
                                                  "IpProtocol": "tcp", "FromPort": 22,
                                                  "ToPort": 22,
                                                  "CidrIp": f"198.51.{k % 250}.0/24"}}
                res[f"{q}Vm"] = {"Type": "AWS::EC2::Instance",
                                 "Properties": {"ImageId": "ami-0abcdef1234567890",
                                                "InstanceType": "t3.micro",
                                                "SubnetId": {"Ref": f"{p}Subnet"},
                                                "SecurityGroupIds": [{"Ref": f"{q}Sg"}],
                                                "UserData": {"Fn::Base64": f"#!/bin/sh\necho {q}\n"}}}
                used += 3
            else:
                # A function with a public URL and the permission it needs.
                res[f"{q}Fn"] = {"Type": "AWS::Lambda::Function",
                                 "Properties": {"Runtime": "python3.12",
                                                "Handler": "index.handler",
                                                "Role": "arn:aws:iam::123456789012:role/fn",
                                                "Code": {"ZipFile": f"def handler(e, c):\n    return '{q}'\n"}}}
                res[f"{q}Url"] = {"Type": "AWS::Lambda::Url",
                                  "Properties": {"TargetFunctionArn": {"Fn::GetAtt": [f"{q}Fn", "Arn"]},
                                                 "AuthType": "NONE"}}
                res[f"{q}Perm"] = {"Type": "AWS::Lambda::Permission",
                                   "Properties": {"FunctionName": {"Ref": f"{q}Fn"},
                                                  "Action": "lambda:InvokeFunctionUrl",
                                                  "Principal": "*",
                                                  "FunctionUrlAuthType": "NONE"}}
                used += 3
            k += 1
    return res


def mutate(old, rng, share=0.10):
    new = json.loads(json.dumps(old))
    keys = sorted(new)
    changes = int(len(keys) * share)
    for key in rng.sample(keys, changes):
        if key not in new:
            continue
        r = new[key]
        t = r["Type"]
        props = r.setdefault("Properties", {})
        roll = rng.random()
        if t == "AWS::EC2::SecurityGroupIngress":
            if roll < 0.5:
                props["CidrIp"] = "0.0.0.0/0"          # open up (replacement)
            else:
                del new[key]                            # removed
        elif t == "AWS::EC2::SecurityGroup":
            props["SecurityGroupIngress"].append(
                {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "CidrIp": "0.0.0.0/0"})
        elif t == "AWS::EC2::Instance":
            if roll < 0.8:
                props["UserData"] = {"Fn::Base64": f"#!/bin/sh\necho {key} v2\nsystemctl start sshd\n"}
            else:
                props["ImageId"] = "ami-0fedcba9876543210"   # replacement
        elif t == "AWS::Lambda::Function":
            props["Code"] = {"ZipFile": "def handler(e, c):\n    return 'v2'\n"}
        elif t == "AWS::Lambda::Url":
            props["AuthType"] = "AWS_IAM"
        elif t == "AWS::EC2::NetworkAclEntry" and roll < 0.5:
            props["RuleAction"] = "deny"
        else:
            props.setdefault("Tags", []).append({"Key": "rev", "Value": "2"})
    # A few additions: new rules on existing groups.
    groups = [k for k in keys if old[k]["Type"] == "AWS::EC2::SecurityGroup"]
    for i, g in enumerate(rng.sample(groups, min(len(groups), max(1, changes // 10)))):
        new[f"Added{i}Rule"] = {"Type": "AWS::EC2::SecurityGroupIngress",
                                "Properties": {"GroupId": {"Ref": g}, "IpProtocol": "tcp",
                                               "FromPort": 3389, "ToPort": 3389,
                                               "CidrIp": "0.0.0.0/0"}}
    return new


def main():
    args = sys.argv[1:]
    seed = 1
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    n, out = int(args[0]), args[1]
    rng = random.Random(seed)
    old = stack(n, rng)
    new = mutate(old, rng)
    for name, res in (("old", old), ("new", new)):
        with open(f"{out}/{name}.json", "w") as f:
            json.dump({"AWSTemplateFormatVersion": "2010-09-09", "Resources": res}, f, indent=1)


if __name__ == "__main__":
    main()
