"""The box the sandbox chat page draws as a clickable map: both demo zones."""

DEMO_MAP = {"south": 30.19, "west": 120.10, "north": 30.31, "east": 120.24}
