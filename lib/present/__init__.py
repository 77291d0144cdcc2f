"""What each page shows, in words and figures: one module per page, charts, numbers, CSV."""
