"""HTTP edge: the JSON API, the chat page and widget, and the paragraph viewer."""
