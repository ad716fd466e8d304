"""好差评: residents rate finished services; bad ratings open rectification work orders."""
