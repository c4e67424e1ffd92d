"""The lab's controllers: each module exposes ``build(world) -> list[Controller]`` (see base.py)."""
