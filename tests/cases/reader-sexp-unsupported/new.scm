;; a guix deploy file
(list (machine))
