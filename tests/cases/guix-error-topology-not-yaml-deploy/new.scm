snipeproof: topology/1
networks:
  lan: 192.168.1.0/24
hosts:
  router:
    forwards:
      - {from: internet, to: lan}
    interfaces: {wan: internet, lan0: lan}
  web:
    network: lan
