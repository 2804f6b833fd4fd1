;;; The fleet as it runs now: a router in front of a web server.
;;; Deployed with `guix deploy old.scm`; snipeproof reads it with net.yaml:
;;;   snipeproof check --topology net.yaml old.scm new.scm

(use-modules (gnu) (gnu machine) (gnu machine ssh))
(use-service-modules networking ssh web)

;; The router forwards the internet (wan) into the LAN (lan0) and filters
;; nothing on the way; it accepts SSH from the LAN only.
(define %router-ruleset
  (plain-file "router.nft" "\
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    ct state { established, related } accept
    iifname \"lan0\" tcp dport ssh accept
  }
  chain forward {
    type filter hook forward priority 0; policy accept;
  }
}
"))

;; Every machine: the same boot, file systems and base services; the
;; deploying machine's signing key is authorized.
(define (base-os name services)
  (operating-system
    (host-name name)
    (timezone "Etc/UTC")
    (bootloader (bootloader-configuration
                 (bootloader grub-bootloader)
                 (targets '("/dev/vda"))))
    (file-systems (cons (file-system
                          (mount-point "/")
                          (device "/dev/vda1")
                          (type "ext4"))
                        %base-file-systems))
    (services
     (append services
             (modify-services %base-services
               (guix-service-type config =>
                                  (guix-configuration
                                   (inherit config)
                                   (authorized-keys
                                    (cons (local-file "signing-key.pub")
                                          %default-authorized-guix-keys)))))))))

(define* (managed-machine os address #:key (user "root"))
  (machine
   (operating-system os)
   (environment managed-host-environment-type)
   (configuration (machine-ssh-configuration
                   (host-name address)
                   (system "x86_64-linux")
                   (user user)))))

(define (lan-address host) (string-append "192.168.1." host))

(define router-os
  (base-os "router"
           (list (service nftables-service-type
                          (nftables-configuration (ruleset %router-ruleset)))
                 (service openssh-service-type))))

(define web-os
  (base-os "web"
           (list (service nginx-service-type
                          (nginx-configuration
                           (server-blocks
                            (list (nginx-server-configuration
                                   (listen '("80"))
                                   (server-name '("www.example.org"))
                                   (root "/srv/www")))))))))

(list (managed-machine router-os (lan-address "1"))
      (managed-machine web-os (lan-address "10")))
