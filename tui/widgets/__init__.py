"""The app's panels, one widget a file."""
