"""Operations: the process supervisor (``privacy-desk run``), replicas behind a
load balancer, first-use set-up (``.env``), the terminal chat and the health probes.
"""
