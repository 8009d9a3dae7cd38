"""The user guide in the window: Help ▸ User guide (F1) and each panel's section (Shift+F1)."""
