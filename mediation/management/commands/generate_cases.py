"""`manage.py generate_cases`: the command lives in `mediation.demo.generate`, with the demo
tooling."""

from mediation.demo.generate import Command

__all__ = ["Command"]
