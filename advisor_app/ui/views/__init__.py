"""The main window and the views inside it; each gets models and an actions object."""
