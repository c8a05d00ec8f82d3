"""Local stand-in for Telegram's Bot API server, with a control API and a browser page."""

from .server import create_sandbox_app
from .state import SANDBOX_KEY, SandboxState

__all__ = ["SANDBOX_KEY", "SandboxState", "create_sandbox_app"]
