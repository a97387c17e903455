"""The app's style sheet, icons and sample image, installed as ``scenemaker_desktop.resources``.

A regular package (not a namespace one): setuptools' editable install maps a package that
lives outside its parent's folder only when it has this file.
"""
