"""The composition root: settings, the Application factory, the CLI, texts, the console."""
