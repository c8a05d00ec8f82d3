"""One module per desk page; each has `routes = web.RouteTableDef()` (see web/__init__.py)."""
