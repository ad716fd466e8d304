"""A resident's favourite catalogue items (收藏), kept on the server so every device shows them."""
