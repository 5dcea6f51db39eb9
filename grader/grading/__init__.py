"""The instructor's side: nbgrader configuration, releasing the course, grading.

A notebook never imports this package; this package never starts a backend itself.
"""
