"""The studio's state and rules as QObjects, no widgets: the controller and its parts, and the
models of the training settings and the view options that the panels and controls show."""
