"""`manage.py seed_demo`: the command lives in `mediation.demo.seed`, with the demo
tooling."""

from mediation.demo.seed import Command

__all__ = ["Command"]
