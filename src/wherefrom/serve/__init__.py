"""The HTTP service and web page (`wherefrom serve`); needs the `serve` extra."""
