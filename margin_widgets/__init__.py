"""margin_widgets: see cross and isolated margin at work, side by side, along a price path."""

__version__ = "0.1.0"
