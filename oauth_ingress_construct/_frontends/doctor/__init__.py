"""``oauth-ingress doctor``: read existing Ingresses, say what they really do, emit the code.

The third front end, beside cdk8s and Pulumi. Reading (``reader``) and the verdicts
(``analysis``) are plain Python; the command line (``cli``) needs the ``cli`` extra
(``click``, ``rich``).
"""
