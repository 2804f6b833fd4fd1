;; The fleet as it runs.
(use-modules (gnu) (gnu machine) (gnu machine ssh))
(use-service-modules networking ssh web)

(define (os name services)
  (operating-system
    (host-name name)
    (services (append services %base-services))))

(define (deployed os address)
  (machine
   (operating-system os)
   (environment managed-host-environment-type)
   (configuration (machine-ssh-configuration (host-name address)))))

(define %forward-all
  (plain-file "router.nft" "table inet filter {
  chain forward { type filter hook forward priority 0; policy accept; }
}
"))

(list (deployed (os "router"
                    (list (service nftables-service-type
                                   (nftables-configuration (ruleset %forward-all)))))
                "192.168.1.1")
      (deployed (os "web" (list (service nginx-service-type)))
                "192.168.1.10"))
