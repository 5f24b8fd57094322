"""Demo data generator: a simulated billing month in every landing format, plus its truth."""

from orchestration.demo.generate import generate_demo

__all__ = ["generate_demo"]
