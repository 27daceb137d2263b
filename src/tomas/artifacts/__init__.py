"""File formats the project writes and reads back: their names, layouts and compatibility checks."""
