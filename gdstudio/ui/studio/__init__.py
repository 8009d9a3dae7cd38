"""The studio's state and rules as QObjects, no widgets: the controller and its parts."""
