"""Rep e-mails with one-click review links, and the admin digest."""
