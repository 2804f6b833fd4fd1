;; What the front-end makes of services and firewalls (snipeproof model).
(use-modules (gnu) (gnu machine) (gnu machine ssh))
(use-service-modules desktop networking ssh web)

(define (deployed os address)
  (machine
   (operating-system os)
   (environment managed-host-environment-type)
   (configuration (machine-ssh-configuration (host-name address)))))

(define %router-rules
  (plain-file "router.nft" "\
define lan = \"lan0\"
table inet filter {
  set admin { type ipv4_addr; elements = { 203.0.113.5, 198.51.100.0/24 } }
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    iifname $lan tcp dport { ssh, 2222 } accept
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state { established, related } accept
    iifname \"wan\" oifname $lan jump from-wan
    iifname $lan accept
  }
  chain from-wan {
    ip saddr @admin tcp dport 22 accept
    tcp dport { 80, 443 } accept
    udp dport 10000-10100 accept
  }
}
table ip6 filter6 {
  chain forward {
    type filter hook forward priority 0; policy drop;
  }
}
"))

(define web-ipv4
  (plain-file "web.v4" "*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:SERVICES - [0:0]
-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT ! -s 192.168.1.0/24 -p tcp --dport 22 -j DROP
-A INPUT -j SERVICES
-A SERVICES -p tcp -m multiport --dports 22,80,443,8000:8080 -j ACCEPT
-A SERVICES -p udp --dport 5353 -j ACCEPT
COMMIT
"))

(list (deployed (operating-system
                  (host-name "router")
                  (services (cons* (service nftables-service-type
                                            (nftables-configuration (ruleset %router-rules)))
                                   (service openssh-service-type
                                            (openssh-configuration
                                             (permit-root-login 'prohibit-password)
                                             (password-authentication? #f)))
                                   %base-services)))
                "192.168.1.1")
      (deployed (operating-system
                  (host-name "web")
                  (services
                   (append
                    (list (service iptables-service-type
                                   (iptables-configuration (ipv4-rules web-ipv4)))
                          (service openssh-service-type
                                   (openssh-configuration (extra-content "Port 2222\n")))
                          (service nginx-service-type
                                   (nginx-configuration
                                    (server-blocks
                                     (list (nginx-server-configuration
                                            (listen '("80" "[::]:443 ssl" "127.0.0.1:8080")))))))
                          (simple-service 'extra-site nginx-service-type
                                          (list (nginx-server-configuration
                                                 (listen '("0.0.0.0:8000"))))))
                    (modify-services %desktop-services
                      (delete avahi-service-type)
                      (guix-service-type config =>
                                         (guix-configuration
                                          (inherit config)
                                          (extra-options '("--listen=0.0.0.0:44146"))))))))
                "192.168.1.10"))
